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

void default_identities(remote::SshEndpoint& e) {
  if (e.identity_files.empty())
    for (const char* name : {"id_ed25519", "id_ecdsa", "id_rsa"}) e.identity_files.push_back(home() + "/.ssh/" + name);
}

}  // namespace

std::string address_of(const HostRow& h) {
  return h.ssh_alias.empty() ? h.user + "@" + h.host + ":" + std::to_string(h.port) : "ssh config " + h.ssh_alias;
}

std::string default_known_hosts() { return home() + "/.ssh/known_hosts"; }

remote::SshEndpoint endpoint_of(const HostRow& h, const std::string& known_hosts, std::vector<std::string>* notes) {
  remote::SshEndpoint e;
  e.known_hosts = known_hosts;
  if (!h.ssh_alias.empty()) {
    const auto r = remote::resolve_ssh_host(h.ssh_alias);
    if (notes) notes->insert(notes->end(), r.notes.begin(), r.notes.end());
    e.host = r.hostname, e.port = r.port, e.user = r.user, e.identity_files = r.identity_files;
    // ProxyJump: each hop is a host of the same config, its user and port overridable in the list.
    for (const auto& jump : r.jumps) {
      const auto hop = remote::resolve_ssh_host(jump.host);
      if (!hop.jumps.empty() && notes)
        notes->push_back("the jump host " + jump.host + " has a ProxyJump of its own, which is not followed");
      remote::SshEndpoint j;
      j.known_hosts = known_hosts;
      j.host = hop.hostname;
      j.port = jump.port > 0 ? jump.port : hop.port;
      j.user = jump.user.empty() ? hop.user : jump.user;
      j.identity_files = hop.identity_files;
      default_identities(j);
      e.jumps.push_back(std::move(j));
    }
  } else {
    e.host = h.host, e.port = h.port;
    e.user = h.user.empty() ? remote::SshConfigEnvironment::system().local_user : h.user;
    if (!h.identity_file.empty()) e.identity_files = {h.identity_file};
  }
  default_identities(e);
  return e;
}

}  // namespace r1wb
