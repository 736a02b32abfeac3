// `r1wb-run sample RUN_DIR --prompt TEXT`: completions of a trained run's checkpoint, with
// each one's length, summed log-probability and whether the token budget cut it.
#include "gpu/cli/cli_args.h"
#include "gpu/cli/commands.h"
#include "gpu/sample/sampler.h"
#include "gpu/train/trained_model.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <numeric>

namespace r1wb::gpu {
namespace {

const char* kSampleUsage =
    "usage: r1wb-run sample RUN_DIR --prompt TEXT [--step N] [--n N] [--temperature T] [--top-k K]\n"
    "                       [--top-p P] [--max-new N] [--stop TEXT] [--seed S] [--json]\n"
    "\n"
    "Prints N completions (default 4) of TEXT by the run's newest intact checkpoint, or the one\n"
    "of --step. --temperature 0 is greedy (default 1); --top-k 0 and --top-p 1 keep every token\n"
    "(the defaults); a completion ends at the first --stop text (default </answer>; '' for none)\n"
    "or after --max-new tokens (default 128, and never past model.max_seq_len). --seed makes\n"
    "the draw repeatable (default 0). --json prints one object with the tokens and log-probs.\n";

}  // namespace

int cmd_sample(const std::vector<std::string>& args) {
  if (wants_help(args)) {
    std::cout << kSampleUsage;
    return kExitOk;
  }
  std::string err;
  auto a = parse_args(args, {"prompt", "step", "n", "temperature", "top-k", "top-p", "max-new", "stop", "seed"},
                      {"json"}, err);
  if (!a) return usage_error(err, kSampleUsage);
  if (a->positional.size() != 1) return usage_error("sample takes one RUN_DIR", kSampleUsage);
  if (!a->options.count("prompt")) return usage_error("--prompt TEXT is required", kSampleUsage);
  std::map<std::string, int64_t> ints;
  if (auto bad = read_int_options(
          *a, {{"step", -1, 0}, {"n", 4, 1}, {"top-k", 0, 0}, {"max-new", 128, 1}, {"seed", 0, 0}}, ints, kSampleUsage))
    return *bad;
  const auto temperature = double_option(*a, "temperature", 1.0, 0.0, 100.0);
  const auto top_p = double_option(*a, "top-p", 1.0, 1e-9, 1.0);
  if (!temperature)
    return usage_error("--temperature: '" + a->options["temperature"] + "' is not a number in [0, 100]", kSampleUsage);
  if (!top_p) return usage_error("--top-p: '" + a->options["top-p"] + "' is not a number in (0, 1]", kSampleUsage);

  SamplingOptions o;
  o.temperature = *temperature;
  o.top_k = int(ints["top-k"]);
  o.top_p = *top_p;
  o.max_new_tokens = int(ints["max-new"]);
  o.seed = uint64_t(ints["seed"]);
  if (a->options.count("stop"))
    o.stop = a->options["stop"].empty() ? std::vector<std::string>{} : std::vector{a->options["stop"]};
  const int64_t step = ints["step"], n = ints["n"];
  return report_failures([&]() -> int {
    const auto run_dir = a->positional[0];
    auto run = open_trained_model(run_dir, step >= 0 ? std::optional<int64_t>(step) : std::nullopt,
                                  [](const std::string& line) { std::cerr << "warning: " << line << "\n"; });
    const auto group = sample_group(run.model, *run.tokenizer, a->options["prompt"], int(n), o);
    if (a->flags.count("json")) {
      nlohmann::json out = {{"run_dir", run_dir}, {"step", run.step}, {"prompt", a->options["prompt"]}};
      for (const auto& c : group)
        out["completions"].push_back(
            {{"text", c.text}, {"tokens", c.tokens}, {"logprobs", c.logprobs}, {"truncated", c.truncated}});
      // A byte-level model can emit bytes that are not UTF-8: the text shows them as U+FFFD,
      // the tokens keep them exactly.
      std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      return kExitOk;
    }
    std::printf("%s, step %lld: %lld completions (temperature %g, top-k %d, top-p %g, at most %d new tokens)\n",
                run_dir.c_str(), (long long)run.step, (long long)n, o.temperature, o.top_k, o.top_p, o.max_new_tokens);
    for (size_t i = 0; i < group.size(); ++i) {
      const auto& c = group[i];
      std::printf("[%zu] %zu tokens, log-prob %.2f%s\n%s%s\n", i + 1, c.tokens.size(),
                  std::accumulate(c.logprobs.begin(), c.logprobs.end(), 0.0), c.truncated ? ", truncated" : "",
                  a->options["prompt"].c_str(), c.text.c_str());
    }
    return kExitOk;
  });
}

}  // namespace r1wb::gpu
