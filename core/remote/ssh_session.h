// One SSH connection to a host (libssh2): TCP, handshake, the host key checked against
// known_hosts before anything is sent (known_hosts.h: an unknown key is refused with its
// fingerprint until the user trusts it, a changed or revoked one is refused), then public-key
// authentication from the ssh-agent or the identity files (a passphrase asked once per key
// through `Prompts`, never in a loop), then keyboard-interactive when the host asks for it
// (a one-time code after the key, as AuthenticationMethods publickey,keyboard-interactive
// demands): one exchange per connection, each of the host's questions put to the user once; a
// refused answer ends the connection with the host's verdict instead of asking again, so no
// one-time code is ever burnt by a retry. Commands run on exec channels; what they are given is
// data: build command lines with shell_quote, never by pasting names into a shell. A session
// may be shared between threads (ssh_pool.h): each call takes its lock only around libssh2
// itself, never while it waits on the network.
#pragma once
#include "core/remote/known_hosts.h"

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace r1wb::remote {

struct SshEndpoint {
  std::string host;  //!< name or address to connect to
  int port = 22;
  std::string user;
  std::vector<std::string> identity_files;  //!< private keys, tried in order after the agent
  bool use_agent = true;
  std::string known_hosts;  //!< the file host keys are checked against (~/.ssh/known_hosts)
  //! ProxyJump: the hosts to go through, outermost first (each checked and authenticated as
  //! its own endpoint); empty: connect directly.
  std::vector<SshEndpoint> jumps;
};

//! One question of a keyboard-interactive exchange ("Verification code: "); echo says whether
//! the answer may be shown as typed.
struct KbdPrompt {
  std::string text;
  bool echo = false;
};

//! Asks the user (nullopt: not given).
struct Prompts {
  //! A key's passphrase (not given: the key is skipped).
  std::function<std::optional<std::string>(const std::string& key_file)> passphrase;
  //! The answers to one round of a host's keyboard-interactive questions, one per prompt, with
  //! the host's name and instruction for that round (not given: authentication ends refused).
  std::function<std::optional<std::vector<std::string>>(const std::string& name, const std::string& instruction,
                                                        const std::vector<KbdPrompt>& prompts)>
      keyboard_interactive;
};

//! The host key was not accepted: `check` says whether it was unknown (trust it explicitly with
//! trust_host_key, then connect again), changed or revoked.
struct HostKeyRefused : std::runtime_error {
  HostKeyRefused(HostKeyCheck c, std::string type, std::string blob)
      : std::runtime_error(c.message), check(std::move(c)), key_type(std::move(type)), key_blob(std::move(blob)) {}
  HostKeyCheck check;
  std::string key_type, key_blob;  //!< the key offered (what a trust step writes)
};

//! The connection failed under a channel (reset, timed out, closed by the server).
struct SshBroken : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ExecResult {
  int exit_status = -1;  //!< the command's; -1 when it died of a signal (exit_signal says which)
  std::string exit_signal;
  std::string out, err;
};

class SshChannel;

class SshSession {
 public:
  //! Connects and authenticates; throws HostKeyRefused, or std::runtime_error naming the step
  //! (connect, handshake, authentication: which keys were tried).
  explicit SshSession(const SshEndpoint& endpoint, const Prompts& prompts = {});
  ~SshSession();
  SshSession(const SshSession&) = delete;
  SshSession& operator=(const SshSession&) = delete;

  //! Runs `command` (a shell command line) on an exec channel, `input` on its stdin, and waits
  //! for it to end, collecting stdout and stderr. Throws SshBroken when the link breaks meanwhile.
  ExecResult exec(const std::string& command, const std::string& input = "");
  //! Starts `command` on an exec channel that stays open: its stdout read as it comes, its stdin
  //! written (SshChannel). Throws SshBroken when the connection is gone.
  std::unique_ptr<SshChannel> open_channel(const std::string& command);
  //! The TCP socket: readable when something arrived for one of the channels.
  int socket_fd() const;
  //! Sends an SSH keepalive when one is due (every 5 s of silence); throws SshBroken when the
  //! connection is gone. The kernel's TCP keepalive (on from the start) ends a silently dead link.
  void keepalive();
  //! Ends the connection at once, as a network failure would (for tests of reconnection).
  void sever();
  //! A call found the link broken (or sever() ended it): a pool hands it out no more.
  bool broken() const;
  const SshEndpoint& endpoint() const { return endpoint_; }
  //! The libssh2 state, for the parts of the session in other files (ssh_session_impl.h).
  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  friend class SshChannel;
  SshEndpoint endpoint_;
  std::unique_ptr<Impl> impl_;
};

//! A command running on the host over one channel of a session, read and written without
//! blocking. The session must outlive it.
class SshChannel {
 public:
  ~SshChannel();
  SshChannel(const SshChannel&) = delete;
  SshChannel& operator=(const SshChannel&) = delete;
  //! The stdout bytes there now (stderr is kept aside, stderr()); also sends what write()
  //! queued. Never waits: "" while another thread's call holds a shared connection. Throws
  //! SshBroken when the connection failed.
  std::string read_available();
  //! Queues bytes for the command's stdin.
  void write(const std::string& bytes) { pending_ += bytes; }
  //! The command's stdout ended (it exited, or closed it).
  bool eof() const { return eof_; }
  //! After eof(): the exit status; -1 when a signal ended it (exit_signal() says which).
  //! nullopt before the server sent it.
  std::optional<int> exit_status();
  const std::string& exit_signal() const { return exit_signal_; }
  const std::string& stderr_text() const { return err_; }

 private:
  friend class SshSession;
  SshChannel(SshSession& session, void* channel) : session_(session), channel_(channel) {}
  SshSession& session_;
  void* channel_;  // LIBSSH2_CHANNEL
  std::string pending_, err_, exit_signal_;
  bool eof_ = false, close_sent_ = false;
  std::optional<int> exit_;
};

//! `s` as one shell word: single-quoted, each ' as '\''. Any bytes, newlines included.
std::string shell_quote(const std::string& s);

}  // namespace r1wb::remote
