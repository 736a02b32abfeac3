// `r1wb-run bench CONFIG`: times an experiment's training steps and prints tokens/s, achieved
// model FLOP/s against a same-process sgemm, and the step split (see train/bench.h).
#include "gpu/cli/cli_args.h"
#include "gpu/cli/commands.h"
#include "gpu/sample/sample_bench.h"
#include "gpu/train/bench.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace r1wb::gpu {
namespace {

const char* kBenchUsage =
    "usage: r1wb-run bench CONFIG [--steps N] [--warmup N] [--threads N] [--blas-threads N] [--json]\n"
    "                        [--trace FILE]\n"
    "       r1wb-run bench CONFIG --mode sample [--batch B] [--new-tokens N] [--repeats R] [--no-recompute]\n"
    "\n"
    "Times N training steps of CONFIG (default 20, after 3 untimed) without checkpoints or\n"
    "events, and prints tokens/s over forward + backward + optimizer, achieved model FLOP/s\n"
    "(3x the forward FLOPs per token), the FLOP/s of a 1024^3 sgemm measured in the same\n"
    "process, and the step split. --threads and --blas-threads override train.threads and\n"
    "train.blas_threads; --json prints one JSON object instead of the table; --trace writes\n"
    "the timed steps' operator timeline as a Chrome trace (profiling slows them down).\n"
    "\n"
    "--mode sample times the sampler instead: B completions (default 16) of one task prompt,\n"
    "each N new tokens (default 256), with the KV cache and recomputing the sequence for every\n"
    "token, best of R runs (default 3), and prints sampled tokens/s of both and their ratio.\n"
    "--no-recompute skips the slow baseline.\n";

nlohmann::json to_json(const BenchResult& r) {
  return {{"device", r.device},
          {"steps", r.steps},
          {"tokens_per_step", r.tokens_per_step},
          {"tokens_per_s", r.tokens_per_s},
          {"model_flops_per_s", r.model_flops_per_s},
          {"sgemm_flops_per_s", r.sgemm_flops_per_s},
          {"sgemm_all_cores_flops_per_s", r.sgemm_all_cores_flops_per_s},
          {"params", r.cost.params},
          {"active_params", r.cost.active_params},
          {"forward_flops_per_token", r.cost.forward_flops_per_token},
          {"data_ms", r.data_ms},
          {"forward_ms", r.forward_ms},
          {"backward_ms", r.backward_ms},
          {"optimizer_ms", r.optimizer_ms},
          {"update_guard_ms", r.guard_ms},
          {"step_ms", r.compute_ms()},
          {"peak_memory_mb", r.peak_memory_mb}};
}

void print_table(const std::string& name, const BenchResult& r) {
  std::printf("%s on %s, %d timed steps of %lld tokens\n", name.c_str(), r.device.c_str(), r.steps,
              (long long)r.tokens_per_step);
  std::printf("  parameters        %12lld (active %lld)\n", (long long)r.cost.params, (long long)r.cost.active_params);
  std::printf("  tokens/s          %12.0f\n", r.tokens_per_s);
  std::printf("  model GFLOP/s     %12.2f  (%.1f %% of sgemm)\n", r.model_flops_per_s / 1e9,
              r.sgemm_flops_per_s > 0 ? 100.0 * r.model_flops_per_s / r.sgemm_flops_per_s : 0.0);
  std::printf("  sgemm GFLOP/s     %12.2f  (1024 x 1024 x 1024, float32, these threads)\n", r.sgemm_flops_per_s / 1e9);
  std::printf("  sgemm GFLOP/s     %12.2f  (OpenBLAS on every core: model at %.1f %% of it)\n",
              r.sgemm_all_cores_flops_per_s / 1e9,
              r.sgemm_all_cores_flops_per_s > 0 ? 100.0 * r.model_flops_per_s / r.sgemm_all_cores_flops_per_s : 0.0);
  std::printf("  step ms           %12.2f  = forward %.2f + backward %.2f + optimizer %.2f (data %.2f apart)\n",
              r.compute_ms(), r.forward_ms, r.backward_ms, r.optimizer_ms, r.data_ms);
  std::printf("  update guard ms   %12.2f  (of optimizer: weights kept and checked finite, %.1f %% of the step)\n",
              r.guard_ms, r.compute_ms() > 0 ? 100.0 * r.guard_ms / r.compute_ms() : 0.0);
  std::printf("  peak memory MB    %12.1f\n", r.peak_memory_mb);
}

int bench_sampling(const Args& a, const Experiment& e) {
  const auto batch = int_option(a, "batch", 16, 1), new_tokens = int_option(a, "new-tokens", 256, 1);
  const auto repeats = int_option(a, "repeats", 3, 1);
  for (auto [name, ok] :
       {std::pair{"batch", bool(batch)}, {"new-tokens", bool(new_tokens)}, {"repeats", bool(repeats)}})
    if (!ok)
      return usage_error(std::string("--") + name + ": '" + a.options.at(name) + "' is not a positive integer",
                         kBenchUsage);
  try {
    const auto r = run_sample_bench(e, int(*batch), int(*new_tokens), int(*repeats), !a.flags.count("no-recompute"),
                                    a.options.count("trace") ? a.options.at("trace") : "");
    const bool slow = r.recomputed_ms > 0;
    if (a.flags.count("json")) {
      nlohmann::json j = {{"device", r.device},         {"batch", r.batch},
                          {"new_tokens", r.new_tokens}, {"prompt_tokens", r.prompt_tokens},
                          {"cached_ms", r.cached_ms},   {"cached_tokens_per_s", r.cached_tokens_per_s()}};
      if (slow) {
        j["recomputed_ms"] = r.recomputed_ms;
        j["recomputed_tokens_per_s"] = r.recomputed_tokens_per_s();
        j["cache_speedup"] = r.recomputed_ms / r.cached_ms;
      }
      std::cout << j.dump() << "\n";
      return kExitOk;
    }
    std::printf("%s sampling on %s: %d completions of a %d-token prompt, %d new tokens each, best of %d\n",
                e.name.c_str(), r.device.c_str(), r.batch, r.prompt_tokens, r.new_tokens, r.repeats);
    std::printf("  KV cache          %12.0f tokens/s  (%.1f ms)\n", r.cached_tokens_per_s(), r.cached_ms);
    if (slow)
      std::printf("  recomputing       %12.0f tokens/s  (%.1f ms): the cache is %.1fx faster\n",
                  r.recomputed_tokens_per_s(), r.recomputed_ms, r.recomputed_ms / r.cached_ms);
    return kExitOk;
  } catch (const std::exception& ex) {
    std::cerr << "error: " << ex.what() << "\n";
    return kExitFailure;
  }
}

}  // namespace

int cmd_bench(const std::vector<std::string>& args) {
  if (wants_help(args)) {
    std::cout << kBenchUsage;
    return kExitOk;
  }
  std::string err;
  auto a = parse_args(args,
                      {"steps", "warmup", "threads", "blas-threads", "trace", "mode", "batch", "new-tokens", "repeats"},
                      {"json", "no-recompute"}, err);
  if (!a) return usage_error(err, kBenchUsage);
  if (a->positional.size() != 1) return usage_error("bench takes one CONFIG file", kBenchUsage);
  const auto steps = int_option(*a, "steps", 20, 1), warmup = int_option(*a, "warmup", 3, 0);
  if (!steps) return usage_error("--steps: '" + a->options["steps"] + "' is not a positive integer", kBenchUsage);
  if (!warmup)
    return usage_error("--warmup: '" + a->options["warmup"] + "' is not a non-negative integer", kBenchUsage);
  auto r = load_experiment_file(a->positional[0]);
  if (!r.ok()) {
    print_errors(r);
    return kExitUsage;
  }
  for (auto [opt, field] :
       {std::pair{"threads", &TrainConfig::threads}, {"blas-threads", &TrainConfig::blas_threads}}) {
    const auto v = int_option(*a, opt, -1, 0);
    if (!v)
      return usage_error(std::string("--") + opt + ": '" + a->options[opt] + "' is not a non-negative integer",
                         kBenchUsage);
    if (*v >= 0) r.experiment.train.*field = int(*v);
  }
  const std::string mode = a->options.count("mode") ? a->options["mode"] : "train";
  if (mode == "sample") return bench_sampling(*a, r.experiment);
  if (mode != "train") return usage_error("--mode: '" + mode + "' is not train or sample", kBenchUsage);
  try {
    auto res =
        run_bench(r.experiment, int(*warmup), int(*steps), 1024, a->options.count("trace") ? a->options["trace"] : "");
    if (a->flags.count("json"))
      std::cout << to_json(res).dump() << "\n";
    else
      print_table(r.experiment.name, res);
    return kExitOk;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kExitFailure;
  }
}

}  // namespace r1wb::gpu
