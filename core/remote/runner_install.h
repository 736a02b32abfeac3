// Installing the runner on a host from the app or r1wb-ctl (`hosts install`): the host's own
// checkout of the same release builds and installs r1wb-run with scripts/install-runner.sh, run
// over an exec channel of the session with its output passed on as it comes, so the user sees
// the build and its errors; the app never copies a local binary to a host.
#pragma once
#include "core/remote/ssh_session.h"

#include <atomic>
#include <functional>
#include <string>

namespace r1wb::remote {

//! The shell command run on the host: `cd CHECKOUT && bash scripts/install-runner.sh PREFIX 2>&1`
//! (a leading "~/" in either stays the home directory; the rest is quoted as data).
std::string runner_install_command(const std::string& checkout, const std::string& prefix);
//! Where the installed runner is on the host, absolute (PREFIX/bin/r1wb-run with "~" and relative
//! paths resolved there, since jobs run it from other directories); throws when it is not there.
std::string installed_runner(SshSession& ssh, const std::string& prefix);

//! Runs the install; `output` gets each chunk of its output. Returns its exit status; -1 when a
//! signal ended it, or when `cancel` was set (its output is no longer followed; libssh2 has no
//! channel signal, so a build under way may finish on the host). Throws SshBroken when the
//! connection fails.
int install_runner(SshSession& ssh, const std::string& checkout, const std::string& prefix,
                   const std::function<void(const std::string&)>& output, const std::atomic<bool>* cancel = nullptr);

}  // namespace r1wb::remote
