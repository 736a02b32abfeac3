// This machine as an SSH host for the tests: a real sshd on 127.0.0.1 (sshd_server.h), the
// endpoint that reaches it with the test's throwaway key, the trust step a user takes (connect
// once, add the key offered to the test's known_hosts), and the store row of a host whose runner
// is the r1wb-run just built.
#pragma once
#include "core/remote/ssh_session.h"
#include "core/store/store.h"
#include "tests/support/sshd_server.h"

#include <filesystem>
#include <string>

namespace r1wb::testing {

struct SshTestHost {
  explicit SshTestHost(const std::filesystem::path& d, const std::string& sshd_extra = "",
                       const std::string& pam_service = "")
      : dir(d), sshd(d, sshd_extra, pam_service) {}
  std::filesystem::path dir;
  SshdServer sshd;

  std::string known_hosts() const { return (dir / "known_hosts").string(); }
  remote::SshEndpoint endpoint() const {
    remote::SshEndpoint e;
    e.host = "127.0.0.1", e.port = sshd.port, e.user = sshd.user, e.use_agent = false;
    e.identity_files = {sshd.user_key.string()};
    e.known_hosts = known_hosts();
    return e;
  }
  //! Connects once and trusts the key the server offers (what a user's trust step does).
  void trust() const {
    try {
      remote::SshSession first(endpoint());
    } catch (const remote::HostKeyRefused& e) {
      remote::trust_host_key(known_hosts(), "127.0.0.1", sshd.port, e.key_type, e.key_blob);
    }
  }
  HostRow host_row(const std::string& name, const std::string& workdir, const std::string& runner) const {
    HostRow h;
    h.name = name, h.host = "127.0.0.1", h.port = sshd.port, h.user = sshd.user;
    h.identity_file = sshd.user_key.string();
    h.workdir = workdir, h.runner = runner;
    return h;
  }
};

}  // namespace r1wb::testing
