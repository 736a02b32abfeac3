// `r1wb-run llama-check RUN_DIR --export FILE.gguf`: the export checked by its real consumer.
// An unmodified llama.cpp (core/formats/llama_cpp_logprobs.h) loads the file and gives its
// tokens and next-token log-probs of a probe text; they are compared with the engine's
// evaluation of the same stored weights, against the bound for the file's type. What the
// export dialog shows as its verdict, and what a script can gate a release on.
#include "core/formats/gguf.h"
#include "core/formats/llama_cpp_logprobs.h"
#include "gpu/cli/cli_args.h"
#include "gpu/cli/commands.h"
#include "gpu/cli/engine_logprobs.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>

namespace r1wb::gpu {
namespace {

const char* kLlamaCheckUsage =
    "usage: r1wb-run llama-check RUN_DIR --export FILE.gguf [--step N] [--text TEXT] [--llama-cpp DIR] [--json]\n"
    "\n"
    "Checks a GGUF export of RUN_DIR with an unmodified llama.cpp: it must load the file,\n"
    "tokenize TEXT (default: a reasoning-task probe) to the engine's tokens, and give next-token\n"
    "log-probs within the bound for the file's type of the engine's own evaluation of the same\n"
    "stored weights (f32 1e-3; f16 1e-2; bf16, q8_0, q4_0 5e-2: llama.cpp rounds each matmul's\n"
    "input to the weights' type, the engine does not). llama.cpp is npm's node-llama-cpp in DIR\n"
    "(default $R1WB_LLAMA_CPP, else ~/.local/share/r1wb/llama-cpp); without it the check does not\n"
    "run and says how to install it. --step N opens the run as at checkpoint N (the step the\n"
    "file was exported from, when it matters: a run trained quantization-aware from a later step).\n"
    "Prints the verdict (one JSON object with --json).\n"
    "Exit 0 when the check passes, 1 when it fails or could not run, 2 on bad arguments.\n";

constexpr const char* kDefaultText = "12+34=<think>2+4=6 c0;1+3=4 c0;</think><answer>46</answer>";

//! The type most of the file's matrices are stored in: what its bound is for.
std::string stored_type(const gguf::File& f) {
  std::map<ggml::Type, int64_t> values;
  for (const auto& t : f.tensors) {
    if (t.dims.size() < 2) continue;
    int64_t n = 1;
    for (auto d : t.dims) n *= d;
    values[t.type] += n;
  }
  ggml::Type best = ggml::Type::F32;
  int64_t most = -1;
  for (const auto& [type, n] : values)
    if (n > most) best = type, most = n;
  return ggml::name_of(best);
}

std::string figure(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1e", x);
  return buf;
}

}  // namespace

int cmd_llama_check(const std::vector<std::string>& args) {
  if (wants_help(args)) {
    std::cout << kLlamaCheckUsage;
    return kExitOk;
  }
  std::string err;
  auto a = parse_args(args, {"export", "step", "text", "llama-cpp"}, {"json"}, err);
  if (!a) return usage_error(err, kLlamaCheckUsage);
  if (a->positional.size() != 1) return usage_error("llama-check takes one RUN_DIR", kLlamaCheckUsage);
  if (!a->options.count("export") || a->options["export"].empty())
    return usage_error("--export FILE.gguf is required", kLlamaCheckUsage);
  const std::string file = a->options["export"];
  if (std::filesystem::is_directory(file))
    return usage_error("--export: " + file + " is a safetensors export; llama.cpp reads GGUF files",
                       kLlamaCheckUsage);
  const std::string text = a->options.count("text") ? a->options["text"] : kDefaultText;
  if (text.empty()) return usage_error("--text: empty; the check needs at least one token", kLlamaCheckUsage);
  const bool json = a->flags.count("json") > 0;
  std::map<std::string, int64_t> ints;
  if (auto bad = read_int_options(*a, {{"step", -1, 0}}, ints, kLlamaCheckUsage)) return *bad;
  return report_failures([&]() -> int {
    nlohmann::json v = {{"export", file}, {"run_dir", a->positional[0]}};
    const auto finish = [&](const std::string& verdict, const std::string& words) {
      v["verdict"] = verdict;
      v["message"] = words;
      if (json)
        std::cout << v.dump() << "\n";
      else
        std::cout << words << "\n";
      return verdict == "passed" ? kExitOk : kExitFailure;
    };
    std::string why_not;
    const auto dir = find_llama_cpp(a->options.count("llama-cpp") ? a->options["llama-cpp"] : "", why_not);
    if (dir.empty()) return finish("not-run", "llama.cpp check not run: " + why_not);
    v["llama_cpp"] = dir;
    const auto type = stored_type(gguf::read(file, true));  // checksums first: a damaged file throws
    const double bound = llama_cpp_bound(type);
    v["type"] = type;
    v["bound"] = bound;
    auto run = open_trained_model(a->positional[0], ints["step"] >= 0 ? std::optional<int64_t>(ints["step"]) : std::nullopt,
                                  [](const std::string& line) { std::cerr << "warning: " << line << "\n"; });
    load_export_weights(run, file);
    const auto ours = engine_logprobs(run, text);
    v["tokens"] = ours.tokens.size();
    NextLogprobs theirs;
    try {
      theirs = llama_cpp_logprobs(dir, file, text, std::max<int>(64, int(ours.tokens.size()) + 1));
    } catch (const std::exception& e) {
      return finish("failed", std::string("llama.cpp check failed: ") + e.what());
    }
    if (theirs.tokens != ours.tokens)
      return finish("failed", "llama.cpp check failed: llama.cpp tokenizes the probe text to " +
                                  std::to_string(theirs.tokens.size()) + " tokens, the engine to " +
                                  std::to_string(ours.tokens.size()) + ", and they differ");
    const double diff = max_logprob_difference(ours, theirs);
    v["max_difference"] = diff;
    const std::string said = "llama.cpp (node-llama-cpp " + std::string(kLlamaCppPackageVersion) + ") loads " +
                             std::filesystem::path(file).filename().string() + ", tokenizes the probe text to the " +
                             "engine's " + std::to_string(ours.tokens.size()) + " tokens, next-token log-probs " +
                             figure(diff) + " from the engine's on the same weights (bound " + figure(bound) +
                             " for " + type + ")";
    return finish(diff < bound ? "passed" : "failed",
                  std::string(diff < bound ? "llama.cpp check passed: " : "llama.cpp check failed: ") + said);
  });
}

}  // namespace r1wb::gpu
