// The r1wb-run commands, one file each (validate_command.cpp, train_command.cpp, ...); the
// dispatch table is runner_commands.cpp. Each returns the process exit code.
#pragma once
#include <string>
#include <vector>

namespace r1wb::gpu {

//! 0 done, 1 runtime failure, 2 bad usage or invalid experiment, 3 stopped (a checkpoint was
//! written; run again to resume).
//! 4: the command did its work, but data was lost to damage (each loss reported on stderr).
enum ExitCode { kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitStopped = 3, kExitDataLost = 4 };

int cmd_validate(const std::vector<std::string>& args);
int cmd_train(const std::vector<std::string>& args);
int cmd_ingest(const std::vector<std::string>& args);
int cmd_bench(const std::vector<std::string>& args);
int cmd_schema(const std::vector<std::string>& args);
int cmd_version(const std::vector<std::string>& args);
int cmd_sample(const std::vector<std::string>& args);
int cmd_eval(const std::vector<std::string>& args);
int cmd_export(const std::vector<std::string>& args);
int cmd_logprobs(const std::vector<std::string>& args);
int cmd_llama_check(const std::vector<std::string>& args);
int cmd_perplexity(const std::vector<std::string>& args);
int cmd_compress_report(const std::vector<std::string>& args);
int cmd_start(const std::vector<std::string>& args);
int cmd_follow(const std::vector<std::string>& args);

}  // namespace r1wb::gpu
