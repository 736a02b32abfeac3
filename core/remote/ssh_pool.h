// One SSH connection per host, shared by the remote runs that stream from it: a grid of runs
// on one node opens one connection (one login, one one-time code on a two-factor host, one
// slot of the server's MaxStartups) with a channel per run, instead of one connection each.
// OpenSSH allows 10 channels per connection (MaxSessions), so a connection takes at most
// kRunsPerConnection runs and the next run opens another. A broken connection is never handed
// out again: the first run to reconnect makes the new one and the others share it. An unused
// connection is kept kPersist (as OpenSSH's ControlPersist) so the next probe or queue refresh
// does not log in again (nor ask a one-time code again). Sessions share safely across threads
// (ssh_session.h takes its lock around libssh2 only).
#pragma once
#include "core/remote/ssh_session.h"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace r1wb::remote {

class SshPool {
 public:
  //! Runs (their follow channel, and a passing exec) one connection carries.
  static constexpr long kRunsPerConnection = 8;
  //! How long a connection nobody uses is kept.
  static constexpr std::chrono::minutes kPersist{10};

  //! A live connection to `endpoint` with room for one more run, or a new one made with
  //! `prompts` (connecting and authenticating: callers for the same host meanwhile wait for it
  //! and share it). Throws as SshSession's constructor does.
  std::shared_ptr<SshSession> session(const SshEndpoint& endpoint, const Prompts& prompts);
  //! Connections made so far (for tests and the status bar).
  int connections_made() const;
  //! Lets go of every kept connection (they close once their last user lets go): the app does
  //! this as its window goes, while libssh2 and OpenSSL are still whole.
  void close_all();

 private:
  struct Kept {
    std::shared_ptr<SshSession> session;
    std::chrono::steady_clock::time_point last_handed;
  };
  struct Host {
    std::mutex connecting;  // one connection made at a time per host
    std::vector<Kept> sessions;
  };
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Host>> hosts_;
  int made_ = 0;
};

}  // namespace r1wb::remote
