#include "gpu/cli/runner_commands.h"

#include "gpu/cli/commands.h"

#include <iostream>
#include <map>

namespace r1wb::gpu {
namespace {

const char* kUsage =
    "r1wb-run: the R1 Workbench engine\n"
    "\n"
    "usage: r1wb-run COMMAND [ARGS]\n"
    "  validate CONFIG                      check an experiment; errors name the field path\n"
    "  train CONFIG --run-dir DIR [...]     train, writing DIR/events.log; resumes if DIR has a checkpoint\n"
    "  start RUN_DIR [...]                  train RUN_DIR/config.json detached: it outlives this terminal\n"
    "  follow RUN_DIR [--after SEQ]         the event stream of a started run, live, until it ends\n"
    "  ingest DIR --store DB                load DIR/events.log into a store (idempotent)\n"
    "  bench CONFIG [--steps N]             time training steps: tokens/s, model FLOP/s, step parts\n"
    "  bench CONFIG --mode sample           time the sampler: tokens/s with the KV cache and without\n"
    "  sample RUN_DIR --prompt TEXT [...]   completions of a trained run's checkpoint\n"
    "  eval RUN_DIR [--task NAME] [...]     held-out accuracy, pass@k, format rate, mean length\n"
    "  export RUN_DIR [--type T] [...]      a checkpoint as GGUF for llama.cpp (f32, f16, bf16, q8_0, q4_0)\n"
    "  logprobs RUN_DIR --text TEXT [...]   next-token log-probs at every position, of a checkpoint or an export\n"
    "  llama-check RUN_DIR --export FILE    a GGUF export loaded by llama.cpp, its log-probs against the engine's\n"
    "  perplexity RUN_DIR --corpus PATH     held-out loss and perplexity on text, in float or quantized\n"
    "  compress-report RUN_DIR [...]        size, held-out quality, speed and per-layer error of float, PTQ, QAT\n"
    "  schema                               print every config key as a Markdown table\n"
    "  version                              this runner's release, protocol, LibTorch and CUDA devices (JSON)\n"
    "\n"
    "`r1wb-run COMMAND --help` describes a command. Exit codes: 0 done, 1 failure,\n"
    "2 bad usage or invalid experiment, 3 stopped by a signal (resumable), 4 done but data was\n"
    "lost to damage (each loss on stderr).\n";

using Command = int (*)(const std::vector<std::string>&);

const std::map<std::string, Command>& commands() {
  static const std::map<std::string, Command> table = {
      {"validate", cmd_validate}, {"train", cmd_train},   {"ingest", cmd_ingest}, {"bench", cmd_bench},
      {"schema", cmd_schema},     {"sample", cmd_sample}, {"eval", cmd_eval},     {"export", cmd_export},
      {"logprobs", cmd_logprobs},       {"llama-check", cmd_llama_check},
      {"perplexity", cmd_perplexity}, {"compress-report", cmd_compress_report}, {"version", cmd_version},
      {"start", cmd_start}, {"follow", cmd_follow},
  };
  return table;
}

}  // namespace

int run_command_line(const std::vector<std::string>& args) {
  if (args.empty()) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  const std::string cmd = args[0];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << kUsage;
    return kExitOk;
  }
  const auto it = commands().find(cmd);
  if (it == commands().end()) {
    std::cerr << "r1wb-run: unknown command '" << cmd << "'\n\n" << kUsage;
    return kExitUsage;
  }
  return it->second(std::vector<std::string>(args.begin() + 1, args.end()));
}

}  // namespace r1wb::gpu
