// Removing a remote run's directory on its host (the app's Delete, `r1wb-ctl delete`): refused
// while its runner may still be running (a runner.pid without a runner.exit), so a delete never
// pulls files from under a live run; the check and the removal are one command on the host.
#pragma once
#include "core/remote/ssh_session.h"

#include <string>

namespace r1wb {

//! Throws std::runtime_error naming the directory when the runner may still run or removal
//! failed; a directory that is gone already is fine.
void delete_remote_run_dir(remote::SshSession& ssh, const std::string& remote_dir);

}  // namespace r1wb
