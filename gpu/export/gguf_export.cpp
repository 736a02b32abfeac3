#include "gpu/export/gguf_export.h"

#include "gpu/export/gguf_deepseek2.h"
#include "gpu/export/gguf_llama.h"

#include <stdexcept>

namespace r1wb::gpu {

GgufExport export_gguf(TransformerLM& model, const Experiment& e, const Tokenizer& tokenizer, ggml::Type type,
                       ggml::Type embeddings) {
  const auto llama = llama_blockers(e), deepseek2 = deepseek2_blockers(e);
  GgufExport out;
  out.architecture = llama.empty() ? "llama" : deepseek2.empty() ? "deepseek2" : "";
  if (out.architecture.empty()) {
    std::string why = "this model runs in neither of llama.cpp's architectures the exporter writes:";
    const bool llama_nearer = llama.size() <= deepseek2.size();
    for (const auto& [arch, lines] : {std::pair{llama_nearer ? "llama" : "deepseek2", llama_nearer ? llama : deepseek2},
                                      std::pair{llama_nearer ? "deepseek2" : "llama", llama_nearer ? deepseek2 : llama}}) {
      why += std::string("\n as ") + arch + " it would need " + std::to_string(lines.size()) + " change" +
             (lines.size() == 1 ? "" : "s") + ":";
      for (const auto& l : lines) why += "\n  " + l;
    }
    throw std::invalid_argument(why);
  }
  using gguf::Value;
  auto& md = out.file.metadata;
  md.emplace_back("general.architecture", Value::string(out.architecture));
  md.emplace_back("general.name", Value::string(e.name));
  if (type == ggml::Type::Q8_0 || type == ggml::Type::Q4_0) md.emplace_back("general.quantization_version", Value::u32(2));
  ModelWeights weights(model);
  if (out.architecture == "llama")
    write_llama(weights, e, type, embeddings, out.file, out.notes);
  else
    write_deepseek2(weights, e, type, embeddings, out.file, out.notes);
  if (e.model.tokenizer == TokenizerKind::Bpe)
    add_sentencepiece_vocabulary(out.file, tokenizer, e.model.vocab_size);
  else
    add_byte_vocabulary(out.file, tokenizer);
  for (auto& note : weights.leftovers()) out.notes.push_back(std::move(note));
  return out;
}

void load_gguf(const gguf::File& file, TransformerLM& model, const Experiment& e) {
  const auto& arch = file.text("general.architecture");
  const std::string expected = llama_blockers(e).empty() ? "llama" : "deepseek2";
  if (arch != expected) throw gguf::Error("gguf: architecture " + arch + ", this model exports as " + expected);
  load_weights(model, arch == "llama" ? read_llama(file, e.model) : read_deepseek2(file, e.model));
}

}  // namespace r1wb::gpu
