// `r1wb-run eval RUN_DIR --task NAME --n N --k K`: held-out accuracy, pass@k, format rate and
// mean length of a trained run's checkpoint (gpu/rl/evaluation.h), optionally written as a
// metrics record into a run directory's event log.
#include "core/tasks/reasoning_tasks.h"
#include "gpu/cli/cli_args.h"
#include "gpu/cli/commands.h"
#include "gpu/rl/evaluation.h"
#include "gpu/train/event_sink.h"
#include "gpu/train/trained_model.h"

#include "core/paths.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace r1wb::gpu {
namespace {

const char* kEvalUsage =
    "usage: r1wb-run eval RUN_DIR [--step N] [--as CONFIG] [--task NAME] [--n N] [--k K]\n"
    "                     [--difficulty D | D1-D2] [--temperature T] [--max-new N] [--seed S]\n"
    "                     [--quant GRID] [--quant-acts GRID] [--run-dir DIR] [--json]\n"
    "\n"
    "Samples K completions for each of N held-out prompts of a task and prints accuracy\n"
    "(pass@1), pass@K, format rate and mean length. Held-out prompts are never in a training\n"
    "batch; the prompts and random numbers depend only on --seed, so evaluations of two\n"
    "checkpoints differ only by the model. Every default comes from the run's experiment (its\n"
    "data.task and difficulties, rl.eval_prompts, rl.eval_k, rl.temperature,\n"
    "rl.max_new_tokens, data.seed), or with --as from the experiment file CONFIG: a base\n"
    "evaluated as the RL experiment that starts from it evaluates its policy. The options\n"
    "given override those. Beside the samples it prints the next-token loss of the prompts'\n"
    "reference completions (teacher-forced). --run-dir DIR appends the figures as eval/* metrics\n"
    "at the checkpoint's step to DIR/events.log.\n";

//! "2" or "1-3" -> {min, max}.
std::optional<std::pair<int, int>> parse_levels(const std::string& s) {
  try {
    size_t used = 0;
    const int lo = std::stoi(s, &used);
    if (used == s.size()) return std::pair{lo, lo};
    if (s[used] != '-') return std::nullopt;
    size_t used2 = 0;
    const int hi = std::stoi(s.substr(used + 1), &used2);
    if (used + 1 + used2 != s.size()) return std::nullopt;
    return std::pair{lo, hi};
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace

int cmd_eval(const std::vector<std::string>& args) {
  if (wants_help(args)) {
    std::cout << kEvalUsage << kQuantUsage;
    return kExitOk;
  }
  std::string err;
  auto a = parse_args(args,
                      {"step", "as", "task", "n", "k", "difficulty", "temperature", "max-new", "seed", "run-dir", "quant",
                       "quant-acts", "quant-group", "quant-steps"},
                      {"json"}, err);
  if (!a) return usage_error(err, kEvalUsage);
  if (a->positional.size() != 1) return usage_error("eval takes one RUN_DIR", kEvalUsage);
  std::map<std::string, int64_t> ints;
  if (auto bad = read_int_options(*a, {{"step", -1, 0}, {"n", -1, 1}, {"k", -1, 1}, {"max-new", -1, 1}, {"seed", -1, 0}},
                                  ints, kEvalUsage))
    return *bad;
  const int64_t step = ints["step"], max_new = ints["max-new"], seed = ints["seed"];
  const auto temperature = double_option(*a, "temperature", -1.0, 0.0, 100.0);
  if (!temperature)
    return usage_error("--temperature: '" + a->options["temperature"] + "' is not a number in [0, 100]", kEvalUsage);
  return report_failures([&]() -> int {
    const auto run_dir = a->positional[0];
    auto run = open_trained_model(run_dir, step >= 0 ? std::optional<int64_t>(step) : std::nullopt,
                                  [](const std::string& line) { std::cerr << "warning: " << line << "\n"; });
    std::string quant_error;
    const auto quant = quant_options(*a, run.experiment.quant, quant_error);
    if (!quant) return usage_error(quant_error, kEvalUsage);
    if (has_quant_options(*a))
      run_quantized(run, *quant);
    Experiment e = run.experiment;
    if (auto as = experiment_option(*a, "as")) e = *as;
    EvalOptions o = eval_options(e);  // the run's own (or --as's), then the options given here
    if (a->options.count("task")) o.task = a->options["task"];
    const auto& tasks = task_names();
    if (std::find(tasks.begin(), tasks.end(), o.task) == tasks.end()) {
      std::string list;
      for (const auto& t : tasks) list += (list.empty() ? "" : ", ") + t;
      return usage_error("--task: '" + o.task + "' is not a task with a verifier (expected one of: " + list + ")",
                         kEvalUsage);
    }
    if (a->options.count("difficulty")) {
      const auto levels = parse_levels(a->options["difficulty"]);
      if (!levels || levels->first < 1 || levels->second < levels->first ||
          levels->second > max_task_difficulty(o.task))
        return usage_error("--difficulty: '" + a->options["difficulty"] + "' is not a level or range within 1-" +
                               std::to_string(max_task_difficulty(o.task)) + " for " + o.task,
                           kEvalUsage);
      o.min_difficulty = levels->first, o.max_difficulty = levels->second;
    } else if (e.data.task == Task::Text || o.max_difficulty > max_task_difficulty(o.task)) {
      o.min_difficulty = o.max_difficulty = 1;
    }
    if (ints["n"] > 0) o.prompts = int(ints["n"]);
    if (ints["k"] > 0) o.k = int(ints["k"]);
    if (*temperature >= 0) o.sampling.temperature = *temperature;
    if (max_new > 0) o.sampling.max_new_tokens = int(max_new);
    if (seed >= 0) o.seed = uint64_t(seed);
    const auto r = evaluate(run.model, *run.tokenizer, o);
    if (a->options.count("run-dir")) {
      const auto dir = a->options["run-dir"];
      std::ifstream config(std::filesystem::path(dir) / "config.json");
      if (!config) throw std::runtime_error("--run-dir: " + dir + " is not a run directory (no config.json)");
      std::stringstream text;
      text << config.rdbuf();
      EventSink sink(dir, -1, "", text.str(), e.name);
      sink.emit(wire::Metrics{run.step, wall_clock_seconds(), eval_metrics(r)});
      sink.flush(true);
    }
    if (a->flags.count("json")) {
      nlohmann::json out = {{"run_dir", run_dir},
                            {"step", run.step},
                            {"task", o.task},
                            {"min_difficulty", o.min_difficulty},
                            {"max_difficulty", o.max_difficulty},
                            {"temperature", o.sampling.temperature},
                            {"prompts", r.prompts},
                            {"k", r.k},
                            {"accuracy", r.accuracy},
                            {"pass_at_k", r.pass_at_k},
                            {"format_rate", r.format_rate},
                            {"mean_length", r.mean_length},
                            {"truncated", r.truncated},
                            {"loss", r.loss},
                            {"seconds", r.seconds}};
      std::cout << out.dump() << "\n";
      return kExitOk;
    }
    std::printf("%s, step %lld: %s, difficulty %d-%d, %d held-out prompts x %d samples (temperature %g)\n",
                run_dir.c_str(), (long long)run.step, o.task.c_str(), o.min_difficulty, o.max_difficulty, r.prompts,
                r.k, o.sampling.temperature);
    std::printf(
        "accuracy (pass@1) %.3f   pass@%d %.3f   format %.3f   mean length %.1f   truncated %.3f   loss %.4f   (%.1f s)\n",
        r.accuracy, r.k, r.pass_at_k, r.format_rate, r.mean_length, r.truncated, r.loss, r.seconds);
    return kExitOk;
  });
}

}  // namespace r1wb::gpu
