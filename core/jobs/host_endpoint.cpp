#include "core/jobs/host_endpoint.h"

#include "core/remote/ssh_config.h"

#include <cstdlib>
#include <stdexcept>

namespace r1wb {
namespace {

std::string home() {
  const char* h = std::getenv("HOME");
  return h ? h : "";
}

}  // namespace

std::string default_known_hosts() { return home() + "/.ssh/known_hosts"; }

remote::SshEndpoint endpoint_of(const HostRow& h, const std::string& known_hosts, std::vector<std::string>* notes) {
  remote::SshEndpoint e;
  e.known_hosts = known_hosts;
  if (!h.ssh_alias.empty()) {
    const auto r = remote::resolve_ssh_host(h.ssh_alias);
    if (notes) notes->insert(notes->end(), r.notes.begin(), r.notes.end());
    if (!r.jumps.empty())
      throw std::runtime_error("host " + h.name + ": ~/.ssh/config gives " + h.ssh_alias +
                               " a ProxyJump, which this release does not connect through yet");
    e.host = r.hostname, e.port = r.port, e.user = r.user, e.identity_files = r.identity_files;
  } else {
    e.host = h.host, e.port = h.port;
    e.user = h.user.empty() ? remote::SshConfigEnvironment::system().local_user : h.user;
    if (!h.identity_file.empty()) e.identity_files = {h.identity_file};
  }
  if (e.identity_files.empty())
    for (const char* name : {"id_ed25519", "id_ecdsa", "id_rsa"}) e.identity_files.push_back(home() + "/.ssh/" + name);
  return e;
}

}  // namespace r1wb
