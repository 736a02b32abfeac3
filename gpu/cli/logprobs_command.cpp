// `r1wb-run logprobs RUN_DIR --text TEXT [--export FILE]`: the engine's next-token
// distribution at every position of a text, of the checkpoint or of the weights an export
// holds: the engine's side of every comparison with another runtime (llama.cpp).
#include "gpu/cli/cli_args.h"
#include "gpu/cli/commands.h"
#include "gpu/cli/engine_logprobs.h"

#include <nlohmann/json.hpp>

#include <iostream>

namespace r1wb::gpu {
namespace {

const char* kLogprobsUsage =
    "usage: r1wb-run logprobs RUN_DIR --text TEXT [--step N] [--export FILE] [--quant GRID] [--quant-acts GRID]\n"
    "\n"
    "Prints one JSON object: the tokens of TEXT and, after each of them, the log-probability of\n"
    "every vocabulary entry as the next token (\"next_logprobs\": one row of vocab_size per\n"
    "token), by the run's newest intact checkpoint (or --step N), or with --export by the\n"
    "weights a GGUF export of the run (a file) or a safetensors export (its folder) holds,\n"
    "dequantized (its checksums are verified first).\n";

}  // namespace

int cmd_logprobs(const std::vector<std::string>& args) {
  if (wants_help(args)) {
    std::cout << kLogprobsUsage << kQuantUsage;
    return kExitOk;
  }
  std::string err;
  auto a = parse_args(args, {"text", "step", "export", "quant", "quant-acts", "quant-group", "quant-steps"}, {}, err);
  if (!a) return usage_error(err, kLogprobsUsage);
  if (a->positional.size() != 1) return usage_error("logprobs takes one RUN_DIR", kLogprobsUsage);
  if (!a->options.count("text") || a->options["text"].empty())
    return usage_error("--text TEXT (not empty) is required", kLogprobsUsage);
  std::map<std::string, int64_t> ints;
  if (auto bad = read_int_options(*a, {{"step", -1, 0}}, ints, kLogprobsUsage)) return *bad;
  return report_failures([&]() -> int {
    const auto run_dir = a->positional[0];
    const int64_t step = ints["step"];
    auto run = open_trained_model(run_dir, step >= 0 ? std::optional<int64_t>(step) : std::nullopt,
                                  [](const std::string& line) { std::cerr << "warning: " << line << "\n"; });
    std::string quant_error;
    const auto quant = quant_options(*a, run.experiment.quant, quant_error);
    if (!quant) return usage_error(quant_error, kLogprobsUsage);
    if (has_quant_options(*a))
      run_quantized(run, *quant);
    std::string weights = "checkpoint";
    if (a->options.count("export")) load_export_weights(run, weights = a->options["export"]);
    const auto l = engine_logprobs(run, a->options["text"]);
    nlohmann::json out = {{"run_dir", run_dir}, {"step", run.step}, {"weights", weights}, {"tokens", l.tokens}};
    auto& rows = out["next_logprobs"] = nlohmann::json::array();
    for (const auto& row : l.rows) rows.push_back(std::vector<float>(row.begin(), row.end()));
    std::cout << out.dump() << "\n";
    return kExitOk;
  });
}

}  // namespace r1wb::gpu
