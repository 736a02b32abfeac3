// The r1wb-run command line: validate, train, ingest, schema. Each command returns the
// process exit code: 0 done, 1 runtime failure, 2 bad usage or invalid experiment,
// 3 stopped by a signal (a checkpoint was written; run again to resume).
#pragma once
#include <string>
#include <vector>

namespace r1wb::gpu {

enum ExitCode { kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitStopped = 3 };

//! Dispatches argv (without the program name) to a command.
int run_command_line(const std::vector<std::string>& args);

}  // namespace r1wb::gpu
