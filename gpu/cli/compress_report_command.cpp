// `r1wb-run compress-report RUN_DIR`: what compressing a checkpoint costs and buys
// (core/formats/compression_report.h). A float run is measured as itself and as post-training
// quantization to each grid of --grids; a run trained quantization-aware as the grid it trained
// against. Each variant: the size of its exported weights, held-out accuracy and reference loss
// (task runs, the run's own evaluation prompts) or corpus loss (text runs, --corpus), sampled
// tokens/s, and per layer the weight and block-output error of its grid. Written to
// <run>/compression/report.json (atomically) for the compression view.
#include "core/config/config_rules.h"
#include "core/formats/compression_report.h"
#include "core/tasks/reasoning_tasks.h"
#include "gpu/cli/cli_args.h"
#include "gpu/cli/commands.h"
#include "gpu/data/token_cache.h"
#include "gpu/quant/fake_quant.h"
#include "gpu/quant/layer_errors.h"
#include "gpu/quant/learned_steps.h"
#include "gpu/quant/low_rank.h"
#include "gpu/quant/quantized_size.h"
#include "gpu/rl/evaluation.h"
#include "gpu/sample/corpus_loss.h"
#include "gpu/sample/sample_bench.h"
#include "gpu/sample/sampler.h"
#include "gpu/train/trained_model.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace r1wb::gpu {
namespace {

const char* kCompressUsage =
    "usage: r1wb-run compress-report RUN_DIR [--step N] [--grids LIST] [--group N] [--n N]\n"
    "                                [--as CONFIG] [--corpus PATH] [--tokens N] [--out FILE] [--json]\n"
    "\n"
    "Measures a checkpoint's compression variants: a float run as itself and as post-training\n"
    "quantization (round to nearest) to each grid of LIST (comma-separated; default\n"
    "int8,int4,8da4w; also q8_0, q4_0; int4 in groups of --group, default 32; 8da4w is int4\n"
    "weights with int8 per-token activations; lr<R>, e.g. lr16, replaces every block matrix by\n"
    "its rank-R truncated SVD, stored as two factors); a run trained quantization-aware as its\n"
    "own grid.\n"
    "For each: the bytes of its exported weights, held-out accuracy and reference loss on --n of\n"
    "the run's evaluation prompts (default 256, one greedy sample each of up to the task's longest\n"
    "answer or rl.max_new_tokens, whichever is more; with --as those of the\n"
    "experiment file CONFIG, so every run of a lineage is measured on its root's prompts) or, for\n"
    "a text run, the\n"
    "loss on --corpus (its first --tokens tokens, default 65536), sampled tokens/s, and per layer\n"
    "the relative error of each matrix and of the block's output. Writes FILE (default\n"
    "RUN_DIR/compression/report.json) and prints a table, or the report with --json.\n";

//! One way to compress: a quantization grid, or (rank > 0) low-rank factors.
struct Grid {
  std::string name;
  QuantConfig q;
  int rank = 0;
  bool any() const { return q.any() || rank > 0; }
  //! The hooks that run `model` compressed (a run's own grid with its learned steps, if it has them).
  MatrixCompression compression(TransformerLM& model) const {
    if (rank > 0) return {low_rank_hooks(rank), true};
    return {q.any() ? quant_hooks(model, q) : MatmulHooks{}, q.experts};
  }
  std::string describe() const {
    return rank > 0 ? "rank-" + std::to_string(rank) + " factors of every block matrix (truncated SVD)"
                    : gpu::describe(q);
  }
};

std::optional<Grid> parse_grid(const std::string& s, int group) {
  Grid g{s, {}};
  if (s.size() > 2 && s.rfind("lr", 0) == 0 && s.find_first_not_of("0123456789", 2) == std::string::npos &&
      s.size() < 8) {
    g.rank = std::stoi(s.substr(2));
    g.name = "rank " + s.substr(2);
    if (g.rank < 1) return std::nullopt;
    return g;
  }
  g.q.group_size = group;
  if (s == "8da4w") {
    g.q.weights = WeightQuant::Int4, g.q.activations = ActivationQuant::Int8;
    g.name = "8da4w-g" + std::to_string(group);
    return g;
  }
  const auto w = parse_enum<WeightQuant>(s);
  if (!w || *w == WeightQuant::None) return std::nullopt;
  g.q.weights = *w;
  if (*w == WeightQuant::Int4) g.name = "int4-g" + std::to_string(group);
  return g;
}

//! The name a run's own quantization goes by ("int4-g32", "8da4w-g32", "q8_0 + int8 activations",
//! "int4-g32 learned steps").
std::string grid_name(const QuantConfig& q) {
  std::string s;
  if (q.weights == WeightQuant::Int4 && q.activations == ActivationQuant::Int8) {
    s = "8da4w-g" + std::to_string(q.group_size);
  } else {
    s = name_of(q.weights);
    if (q.weights == WeightQuant::Int4) s += "-g" + std::to_string(q.group_size);
    if (q.activations != ActivationQuant::None) s += std::string(" + ") + name_of(q.activations) + " activations";
  }
  return q.learned_steps ? s + " learned steps" : s;
}

//! Why the model of `e` cannot run on `g` (a quantization grid's blocks must tile every
//! quantized matrix's rows: the config rules of a run trained on it), empty when it can.
std::string grid_problem(const Experiment& e, const Grid& g) {
  if (g.rank > 0) return {};
  Experiment on_grid = e;
  on_grid.quant = g.q;
  on_grid.quant.start_step = 0;
  std::vector<ConfigError> errors;
  for (const auto& rules : section_rules())
    if (std::string(rules.section) == "quant") rules.check(on_grid, errors);
  return errors.empty() ? std::string() : errors.front().to_string();
}

//! Token ids of `text` cut into rows of `len` (at most `rows`): the layer-error probe batch.
torch::Tensor probe_batch(const Tokenizer& tok, const std::string& text, int64_t len, int64_t rows,
                          torch::Device device) {
  const auto ids = tok.encode(text);
  const int64_t n = std::min<int64_t>(rows, int64_t(ids.size()) / len);
  if (n < 1) throw std::runtime_error("the probe text holds fewer than " + std::to_string(len) + " tokens");
  std::vector<int64_t> flat(ids.begin(), ids.begin() + n * len);
  return torch::tensor(flat, torch::kInt64).view({n, len}).to(device);
}

std::string read_text(const std::vector<std::string>& files, size_t max_bytes) {
  std::string out;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    out += s.str() + "\n\n";
    if (out.size() >= max_bytes) break;
  }
  return out;
}

}  // namespace

int cmd_compress_report(const std::vector<std::string>& args) {
  if (wants_help(args)) {
    std::cout << kCompressUsage;
    return kExitOk;
  }
  std::string err;
  auto a = parse_args(args, {"step", "grids", "group", "n", "as", "corpus", "tokens", "out"}, {"json"}, err);
  if (!a) return usage_error(err, kCompressUsage);
  if (a->positional.size() != 1) return usage_error("compress-report takes one RUN_DIR", kCompressUsage);
  std::map<std::string, int64_t> ints;
  if (auto bad = read_int_options(*a, {{"step", -1, 0}, {"group", 32, 2}, {"n", 256, 1}, {"tokens", 65536, 64}},
                                  ints, kCompressUsage))
    return *bad;
  std::vector<Grid> grids;
  {
    std::stringstream list(a->options.count("grids") ? a->options["grids"] : "int8,int4,8da4w");
    for (std::string item; std::getline(list, item, ',');) {
      const auto g = parse_grid(item, int(ints["group"]));
      if (!g)
        return usage_error("--grids: '" + item + "' is not one of int8, int4, q8_0, q4_0, 8da4w, lr<rank>",
                           kCompressUsage);
      grids.push_back(*g);
    }
  }
  return report_failures([&]() -> int {
    const auto run_dir = a->positional[0];
    auto run = open_trained_model(run_dir, ints["step"] >= 0 ? std::optional<int64_t>(ints["step"]) : std::nullopt,
                                  [](const std::string& line) { std::cerr << "warning: " << line << "\n"; });
    const Experiment& e = run.experiment;
    Experiment measured_as = e;  // whose evaluation prompts and probe text
    if (auto as = experiment_option(*a, "as")) measured_as = *as;
    const bool text = e.data.task == Task::Text;
    if (text && !a->options.count("corpus"))
      return usage_error("--corpus PATH is required for a text run (data.task text): held-out text to measure on",
                         kCompressUsage);
    for (const auto& g : grids)
      if (auto problem = grid_problem(e, g); !problem.empty())
        return usage_error("--grids " + g.name + ": " + problem, kCompressUsage);
    const auto device = run.model->parameters().front().device();
    std::vector<Grid> variants;  // each named as the report shows it
    std::vector<bool> trained;
    if (e.quant.any()) {
      variants.push_back({grid_name(e.quant) + " (trained)", e.quant});
      trained.push_back(true);
    } else {
      variants.push_back({"float", QuantConfig{}});
      trained.push_back(false);
      for (auto g : grids) {
        g.name += g.rank > 0 ? " SVD" : " PTQ";
        variants.push_back(g);
        trained.push_back(false);
      }
    }
    std::vector<std::string> corpus;
    std::string probe_text, speed_prompt;
    const int64_t len = std::min<int64_t>(e.model.max_seq_len, 128);
    if (text) {
      corpus = corpus_files(a->options["corpus"]);
      probe_text = read_text(corpus, size_t(len) * 64 * 8);
      speed_prompt = probe_text.substr(0, 16);
    } else {
      std::mt19937_64 rng(measured_as.data.seed + 7);
      const auto task = name_of(measured_as.data.task);
      const int level = std::max(1, measured_as.data.max_difficulty);
      for (int i = 0; i < 256 && probe_text.size() < size_t(len) * 8 * 4; ++i) {
        const auto ex = make_example(task, level, rng, Split::HeldOut);
        probe_text += ex.prompt + ex.completion;
      }
      speed_prompt = make_example(task, level, rng, Split::HeldOut).prompt;
    }
    const auto probe = probe_batch(*run.tokenizer, probe_text, len, 8, device);

    CompressionReport report;
    report.run_dir = run_dir, report.experiment = e.name, report.device = device.str(), report.step = run.step;
    if (!text && measured_as.data.task == Task::Text)
      return usage_error("--as: " + a->options["as"] + " is a text experiment; a task run is measured on task prompts",
                         kCompressUsage);
    EvalOptions eo = eval_options(measured_as);
    eo.prompts = int(ints["n"]), eo.k = 1, eo.sampling.temperature = 0;
    if (!text) {
      // A budget the task's longest answer fits in (rl.max_new_tokens is RL's, often shorter),
      // so accuracy measures the model rather than truncation.
      const int longest = max_example_tokens(eo.task, std::max(1, eo.max_difficulty));
      eo.sampling.max_new_tokens =
          std::max<int>(eo.sampling.max_new_tokens, std::min<int64_t>(longest, e.model.max_seq_len - 24));
    }
    report.loss_kind = text ? "corpus loss (" + a->options["corpus"] + ", " + std::to_string(ints["tokens"]) + " tokens)"
                            : "reference loss and greedy accuracy (" + std::to_string(eo.prompts) +
                                  " held-out prompts, up to " + std::to_string(eo.sampling.max_new_tokens) +
                                  " new tokens)";
    int64_t parameters = 0;
    for (const auto& p : run.model->named_parameters())
      if (is_exported_weight(p.key())) parameters += p.value().numel();
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < variants.size(); ++i) {
      const auto& grid = variants[i];
      const auto& name = grid.name;
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "compress-report: [%zu/%zu] %s (%.0f s so far)\n", i + 1, variants.size(), name.c_str(),
                   elapsed);
      CompressionVariant v;
      v.name = name, v.quant = grid.describe(), v.trained = trained[i], v.parameters = parameters;
      v.bytes = grid.rank > 0 ? low_rank_weight_bytes(run.model, grid.rank) : quantized_weight_bytes(run.model, grid.q);
      const auto compression = grid.compression(run.model);
      if (grid.any()) v.errors = measure_layer_errors(run.model, compression, probe);
      run.model->set_matmul_hooks(compression.hooks, compression.experts);
      if (text) {
        v.loss = corpus_loss(run.model, *run.tokenizer, corpus, e.model.max_seq_len, ints["tokens"]).loss;
      } else {
        const auto r = evaluate(run.model, *run.tokenizer, eo);
        v.accuracy = r.accuracy, v.loss = r.loss;
      }
      SamplingOptions so;
      so.max_new_tokens = int(std::min<int64_t>(48, e.model.max_seq_len - int64_t(run.tokenizer->encode(speed_prompt).size()) - 1));
      so.stop = {};
      so.temperature = 0;
      const int batch = 8;
      torch::NoGradGuard no_grad;
      const double ms = best_group_ms(run.model, *run.tokenizer, speed_prompt, batch, so, 2);
      v.tokens_per_s = batch * so.max_new_tokens / (ms / 1000.0);
      report.variants.push_back(std::move(v));
    }
    const auto out = a->options.count("out") ? a->options["out"] : compression_report_path(run_dir);
    write_compression_report(out, report);
    if (a->flags.count("json")) {
      std::cout << to_json(report).dump() << "\n";
      return kExitOk;
    }
    std::printf("%s, step %lld (%s): %s\n", run_dir.c_str(), (long long)run.step, report.device.c_str(),
                report.loss_kind.c_str());
    std::printf("%-22s %12s %9s %9s %10s %11s %11s\n", "variant", "bytes", "accuracy", "loss", "tokens/s",
                "max w err", "max out err");
    for (const auto& v : report.variants) {
      double wmax = 0, omax = 0;
      for (const auto& row : v.errors.weight)
        for (double x : row)
          if (x == x) wmax = std::max(wmax, x);
      for (double x : v.errors.output) omax = std::max(omax, x);
      std::printf("%-22s %12lld %9s %9.4f %10.0f %11.4f %11.4f\n", v.name.c_str(), (long long)v.bytes,
                  v.accuracy ? std::to_string(*v.accuracy).substr(0, 5).c_str() : "-", v.loss, v.tokens_per_s, wmax,
                  omax);
    }
    std::printf("written to %s\n", out.c_str());
    return kExitOk;
  });
}

}  // namespace r1wb::gpu
