// `r1wb-run perplexity RUN_DIR --corpus PATH`: held-out loss and perplexity of a checkpoint on
// a text corpus (gpu/sample/corpus_loss.h), in float or as --quant quantizes it.
#include "gpu/cli/cli_args.h"
#include "gpu/cli/commands.h"
#include "gpu/data/token_cache.h"
#include "gpu/sample/corpus_loss.h"
#include "gpu/train/trained_model.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace r1wb::gpu {
namespace {

const char* kPerplexityUsage =
    "usage: r1wb-run perplexity RUN_DIR --corpus PATH [--step N] [--tokens N] [--window N]\n"
    "                           [--quant GRID] [--quant-acts GRID] [--quant-group N] [--json]\n"
    "\n"
    "Prints the mean next-token loss (nats) and perplexity of the run's checkpoint on the text\n"
    "of PATH (a file or a folder of files, documents up to a blank line), in consecutive\n"
    "windows of --window tokens (default model.max_seq_len), over the first --tokens tokens\n"
    "(default all). Give it text the run did not train on.\n";

}  // namespace

int cmd_perplexity(const std::vector<std::string>& args) {
  if (wants_help(args)) {
    std::cout << kPerplexityUsage << kQuantUsage;
    return kExitOk;
  }
  std::string err;
  auto a = parse_args(args, {"corpus", "step", "tokens", "window", "quant", "quant-acts", "quant-group", "quant-steps"}, {"json"}, err);
  if (!a) return usage_error(err, kPerplexityUsage);
  if (a->positional.size() != 1) return usage_error("perplexity takes one RUN_DIR", kPerplexityUsage);
  if (!a->options.count("corpus")) return usage_error("--corpus PATH is required", kPerplexityUsage);
  std::map<std::string, int64_t> ints;
  if (auto bad = read_int_options(*a, {{"step", -1, 0}, {"tokens", 0, 1}, {"window", 0, 2}}, ints, kPerplexityUsage))
    return *bad;
  return report_failures([&]() -> int {
    const auto start = std::chrono::steady_clock::now();
    const auto run_dir = a->positional[0];
    auto run = open_trained_model(run_dir, ints["step"] >= 0 ? std::optional<int64_t>(ints["step"]) : std::nullopt,
                                  [](const std::string& line) { std::cerr << "warning: " << line << "\n"; });
    std::string quant_error;
    const auto quant = quant_options(*a, run.experiment.quant, quant_error);
    if (!quant) return usage_error(quant_error, kPerplexityUsage);
    if (has_quant_options(*a))
      run_quantized(run, *quant);
    const int64_t window = ints["window"] > 0 ? ints["window"] : run.experiment.model.max_seq_len;
    if (window > run.experiment.model.max_seq_len)
      return usage_error("--window: " + std::to_string(window) + " exceeds the model's context (model.max_seq_len " +
                             std::to_string(run.experiment.model.max_seq_len) + ")",
                         kPerplexityUsage);
    const auto r = corpus_loss(run.model, *run.tokenizer, corpus_files(a->options["corpus"]), window, ints["tokens"]);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (a->flags.count("json")) {
      std::cout << nlohmann::json{{"run_dir", run_dir},   {"step", run.step},         {"corpus", a->options["corpus"]},
                                  {"loss", r.loss},       {"perplexity", std::exp(r.loss)}, {"tokens", r.tokens},
                                  {"documents", r.documents}, {"window", window},     {"seconds", seconds}}
                       .dump()
                << "\n";
      return kExitOk;
    }
    std::printf("%s, step %lld: %s, %lld tokens of %lld documents in windows of %lld\n", run_dir.c_str(),
                (long long)run.step, a->options["corpus"].c_str(), (long long)r.tokens, (long long)r.documents,
                (long long)window);
    std::printf("loss %.4f   perplexity %.3f   (%.1f s)\n", r.loss, std::exp(r.loss), seconds);
    return kExitOk;
  });
}

}  // namespace r1wb::gpu
