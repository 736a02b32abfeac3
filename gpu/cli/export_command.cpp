// `r1wb-run export RUN_DIR --format gguf --type T`: a checkpoint as a file the ecosystem loads
// (gpu/export/), written atomically into RUN_DIR/exports/.
#include "core/formats/atomic_file.h"
#include "gpu/cli/cli_args.h"
#include "gpu/cli/commands.h"
#include "gpu/export/gguf_export.h"
#include "gpu/export/safetensors_export.h"
#include "core/paths.h"
#include "gpu/train/event_sink.h"
#include "gpu/train/trained_model.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace r1wb::gpu {
namespace {

const char* kExportUsage =
    "usage: r1wb-run export RUN_DIR [--step N] [--format gguf|safetensors] [--type TYPE]\n"
    "                       [--embeddings TYPE] [--group N] [--out PATH] [--store DB]\n"
    "\n"
    "Writes the run's newest intact checkpoint (or --step N) as a GGUF file llama.cpp loads\n"
    "unchanged, to RUN_DIR/exports/<name>-step<N>-<type>.gguf or --out: architecture llama for\n"
    "MHA/GQA models, dense or MoE with softmax top-k gating and no shared experts; deepseek2\n"
    "for latent attention (MLA) with DeepSeek's MoE (sigmoid or softmax gating, the selection\n"
    "bias, scaled weights, groups, shared experts, leading dense blocks). Matrices are\n"
    "stored as --type (q8_0 and q4_0 are ggml's 32-value blocks), norms and MoE routers as f32.\n"
    "The default type is f32, or for a run trained quantization-aware on a ggml grid\n"
    "(quant.weights q8_0 or q4_0) that grid, with the embedding and head (trained in float) as f32:\n"
    "its weights then export without a second rounding. --embeddings TYPE stores the token\n"
    "embedding and the head as TYPE instead. The file appears under its name only\n"
    "when complete. A model llama.cpp cannot run is refused with each field that blocks it and\n"
    "the value that would export.\n"
    "\n"
    "--format safetensors writes a Hugging Face checkpoint folder, RUN_DIR/exports/\n"
    "<name>-step<N>-<type>/ or --out: model.safetensors with transformers' key names, config.json\n"
    "(LlamaForCausalLM for a dense model, MixtralForCausalLM for an MoE) and the run's BPE\n"
    "tokenizer.model when it has one. --type f32, f16, bf16, or int8 / int4: the block matrices'\n"
    "integers and scales as quantization-aware training rounds them (int4 in groups of --group\n"
    "inputs, default quant.group_size), the rest f32; config.json's quantization_config gives\n"
    "the layout. A run trained against int8 or int4 exports on that grid by default.\n"
    "\n"
    "Each export is appended to RUN_DIR/events.log as an Export record (path, format, type,\n"
    "architecture, bytes, step), so `ingest` or --store DB lists it in the store.\n";

//! Appends the export to the run's event log (and --store's store), so the store lists it.
void record_export(const Args& a, const std::string& run_dir, const TrainedModel& run, const std::string& out,
                   const std::string& format, const std::string& type, const std::string& architecture,
                   uint64_t bytes) {
  namespace fs = std::filesystem;
  std::ifstream config(fs::path(run_dir) / "config.json");
  std::stringstream text;
  text << config.rdbuf();
  const auto rel = fs::relative(fs::absolute(out), fs::absolute(run_dir));
  const bool inside = !rel.empty() && rel.begin()->string() != "..";
  EventSink sink(run_dir, -1, a.options.count("store") ? a.options.at("store") : "", text.str(), run.experiment.name);
  sink.emit(wire::Export{run.step, wall_clock_seconds(), inside ? rel.string() : fs::absolute(out).string(), format,
                         type, architecture, bytes});
  sink.flush(true);
}

//! --format safetensors: a folder written as <out>.partial and renamed when whole.
int export_safetensors_folder(const Args& a, int64_t step, int64_t group_option) {
  return report_failures([&]() -> int {
    const auto run_dir = a.positional[0];
    auto run = open_trained_model(run_dir, step >= 0 ? std::optional<int64_t>(step) : std::nullopt,
                                  [](const std::string& line) { std::cerr << "warning: " << line << "\n"; });
    const auto& q = run.experiment.quant;
    std::string type = a.options.count("type") ? a.options.at("type") : "f32";
    if (!a.options.count("type") && (q.weights == WeightQuant::Int8 || q.weights == WeightQuant::Int4))
      type = name_of(q.weights);  // trained against it: exported without a second rounding
    const int group = group_option > 0 ? int(group_option) : q.group_size;
    auto exported = export_safetensors(run.model, run.experiment, type, group);
    namespace fs = std::filesystem;
    fs::path out = a.options.count("out") ? fs::path(a.options.at("out"))
                                          : fs::path(run_dir) / "exports" /
                                                (run.experiment.name + "-step" + std::to_string(run.step) + "-" + type);
    if (fs::exists(out)) throw std::runtime_error(out.string() + " exists; remove it or name another --out");
    const fs::path partial = out.string() + ".partial";
    fs::remove_all(partial);
    fs::create_directories(partial);
    const auto bytes = safetensors::encode(exported.file);
    write_file_atomically((partial / "model.safetensors").string(), bytes);
    const std::string config = exported.config.dump(2) + "\n";
    write_file_atomically((partial / "config.json").string(), std::vector<uint8_t>(config.begin(), config.end()));
    if (run.experiment.model.tokenizer == TokenizerKind::Bpe)
      fs::copy_file(fs::path(run_dir) / "tokenizer.model", partial / "tokenizer.model");
    else
      exported.notes.push_back("the byte-level tokenizer (id = byte value) has no file; config.json says r1wb_tokenizer "
                               "\"byte\"");
    safetensors::read((partial / "model.safetensors").string(), true);  // what was written reads back whole
    fs::rename(partial, out);
    record_export(a, run_dir, run, out.string(), "safetensors", type, exported.architecture, bytes.size());
    std::cout << out.string() << ": safetensors, " << exported.architecture << ", " << type << ", "
              << exported.file.tensors.size() << " tensors, " << bytes.size() << " bytes, step " << run.step << "\n";
    for (const auto& note : exported.notes) std::cout << "note: " << note << "\n";
    return kExitOk;
  });
}

}  // namespace

int cmd_export(const std::vector<std::string>& args) {
  if (wants_help(args)) {
    std::cout << kExportUsage;
    return kExitOk;
  }
  std::string err;
  auto a = parse_args(args, {"step", "format", "type", "embeddings", "out", "group", "store"}, {}, err);
  if (!a) return usage_error(err, kExportUsage);
  if (a->positional.size() != 1) return usage_error("export takes one RUN_DIR", kExportUsage);
  std::map<std::string, int64_t> ints;
  if (auto bad = read_int_options(*a, {{"step", -1, 0}, {"group", 0, 2}}, ints, kExportUsage)) return *bad;
  const std::string format = a->options.count("format") ? a->options["format"] : "gguf";
  if (format == "safetensors") return export_safetensors_folder(*a, ints["step"], ints["group"]);
  if (format != "gguf") return usage_error("--format: '" + format + "' is not gguf or safetensors", kExportUsage);
  ggml::Type asked = ggml::Type::F32;
  if (a->options.count("type") && !ggml::type_named(a->options["type"], asked))
    return usage_error("--type: '" + a->options["type"] + "' is not one of f32, f16, bf16, q8_0, q4_0", kExportUsage);
  ggml::Type asked_embeddings = asked;
  if (a->options.count("embeddings") && !ggml::type_named(a->options["embeddings"], asked_embeddings))
    return usage_error("--embeddings: '" + a->options["embeddings"] + "' is not one of f32, f16, bf16, q8_0, q4_0",
                       kExportUsage);
  return report_failures([&]() -> int {
    const auto run_dir = a->positional[0];
    const int64_t step = ints["step"];
    auto run = open_trained_model(run_dir, step >= 0 ? std::optional<int64_t>(step) : std::nullopt,
                                  [](const std::string& line) { std::cerr << "warning: " << line << "\n"; });
    // A quantization-aware run on a ggml grid exports on that grid unless told otherwise.
    const auto& q = run.experiment.quant;
    const bool ggml_grid = q.weights == WeightQuant::Q8_0 || q.weights == WeightQuant::Q4_0;
    ggml::Type type = asked, embeddings = asked_embeddings;
    if (ggml_grid && !a->options.count("type")) {
      type = q.weights == WeightQuant::Q8_0 ? ggml::Type::Q8_0 : ggml::Type::Q4_0;
      if (!a->options.count("embeddings")) embeddings = ggml::Type::F32;
    }
    auto exported = export_gguf(run.model, run.experiment, *run.tokenizer, type, embeddings);
    if (q.weights != WeightQuant::None && ggml::name_of(type) != std::string(name_of(q.weights)))
      exported.notes.push_back(std::string("trained against ") + name_of(q.weights) + ", stored as " +
                               ggml::name_of(type) + ": its weights are rounded again");
    const auto bytes = gguf::encode(exported.file);
    std::string out = a->options.count("out") ? a->options["out"] : "";
    if (out.empty()) {
      const auto dir = std::filesystem::path(run_dir) / "exports";
      std::filesystem::create_directories(dir);
      out = (dir / (run.experiment.name + "-step" + std::to_string(run.step) + "-" + ggml::name_of(type) + ".gguf"))
                .string();
    }
    write_file_atomically(out, bytes);
    gguf::read(out, true);  // what was written reads back whole
    record_export(*a, run_dir, run, out, "gguf", ggml::name_of(type), exported.architecture, bytes.size());
    std::cout << out << ": GGUF, " << exported.architecture << ", " << ggml::name_of(type) << ", " << exported.file.tensors.size()
              << " tensors, " << bytes.size() << " bytes, step " << run.step << "\n";
    for (const auto& note : exported.notes) std::cout << "note: " << note << "\n";
    return kExitOk;
  });
}

}  // namespace r1wb::gpu
