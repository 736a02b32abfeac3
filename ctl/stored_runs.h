// The remote runs of the store as r1wb-ctl's commands name them (RUN: a run's name or id), and
// the host each lives on. Each lookup prints what is wrong (no such run, a run of this machine,
// a host gone from the store) and returns nothing, so a command only says `return kFailure`.
#pragma once
#include "core/store/store.h"

#include <optional>
#include <string>

namespace r1wb::ctl {

//! The run `key` names (name or id); nullopt when there is none.
std::optional<RunRow> find_run(Store& store, const std::string& key);
//! The remote run `key` names; nullopt, with the reason on stderr, when there is none or it ran here.
std::optional<RunRow> remote_run(Store& store, const std::string& key, const std::string& store_path);
//! The stored host a remote run lives on; nullopt, with the reason on stderr, when it is gone.
std::optional<HostRow> host_of(Store& store, const RunRow& run);

}  // namespace r1wb::ctl
