// How to reach a stored host (store.h's HostRow): its ~/.ssh/config entry resolved now (so an
// edit there applies at the next connect), or its own fields; the default identity files after
// the agent when it names none.
#pragma once
#include "core/remote/ssh_session.h"
#include "core/store/store.h"

#include <string>
#include <vector>

namespace r1wb {

//! How a host is reached, for lists: "ssh config ALIAS" or "USER@HOST:PORT".
std::string address_of(const HostRow& h);
//! ~/.ssh/known_hosts of $HOME.
std::string default_known_hosts();
//! ProxyJump hops become the endpoint's jumps, each resolved through the same config.
//! What resolution said once and went on (an unsupported option, say) is added to `notes`.
remote::SshEndpoint endpoint_of(const HostRow& h, const std::string& known_hosts, std::vector<std::string>* notes = nullptr);

}  // namespace r1wb
