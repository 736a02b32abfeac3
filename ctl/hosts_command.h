// `r1wb-ctl hosts add|list|probe|trust|remove`: the hosts runs can go to, kept in the app's
// store (the hosts panel lists the same rows). Probe connects, checks the host key and asks the
// host what it is (core/remote/host_probe.h); an unknown key is printed with its fingerprint and
// trusted only by `trust NAME --fingerprint SHA256:...` naming that same fingerprint, the user's
// explicit step after comparing it with the host's own.
#pragma once
#include <string>
#include <vector>

namespace r1wb::ctl {

int cmd_hosts(const std::vector<std::string>& args);

}  // namespace r1wb::ctl
