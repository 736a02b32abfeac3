#include "gpu/export/safetensors_export.h"

#include "gpu/export/gguf_llama.h"
#include "gpu/export/gguf_tensors.h"
#include "gpu/export/safetensors_deepseek.h"
#include "gpu/export/safetensors_llama.h"
#include "gpu/export/safetensors_tensors.h"

namespace r1wb::gpu {
namespace {

//! Whether `e`'s model is stored as DeepseekV3 (latent attention), the llama family otherwise.
bool is_deepseek(const ModelConfig& m) { return m.attention.kind == AttentionKind::Mla; }

}  // namespace

SafetensorsExport export_safetensors(TransformerLM& model, const Experiment& e, const std::string& type, int group) {
  if (type != "f32" && type != "f16" && type != "bf16" && type != "int8" && type != "int4")
    throw std::invalid_argument("--type: '" + type + "' is not one of f32, f16, bf16, int8, int4 for safetensors");
  const auto& m = e.model;
  const bool deepseek = is_deepseek(m);
  const auto blockers = deepseek ? hf_deepseek_blockers(e) : llama_blockers(e);
  if (!blockers.empty()) {
    std::string list;
    for (const auto& b : blockers) list += "\n  " + b;
    throw std::invalid_argument(std::string("safetensors export writes ") +
                                (deepseek ? "DeepseekV3ForCausalLM for a latent-attention model"
                                          : "the llama family (LlamaForCausalLM, MixtralForCausalLM)") +
                                "; this model does not fit it:" + list);
  }
  if (type == "int4") {
    std::vector<int64_t> widths = {m.d_model, m.ffn == FfnKind::Moe ? m.moe.expert_hidden : m.ffn_hidden};
    if (deepseek) widths.push_back(m.attention.kv_lora_rank), widths.push_back(m.ffn_hidden);
    for (int64_t width : widths)
      if (width % group != 0 || group % 2 != 0)
        throw std::invalid_argument("--group: " + std::to_string(group) + " does not divide the rows of " +
                                    std::to_string(width) + " inputs into whole even groups");
  }
  torch::NoGradGuard no_grad;
  ModelWeights w(model);
  SafetensorsExport out;
  HfWriter writer(w, out.file, e, type, group);
  // What every layout holds under the same keys: the embedding, the final norm, an untied head.
  writer.plain("model.embed_tokens.weight", "embed.weight");
  writer.plain("model.norm.weight", "norm.weight");
  if (!m.tie_embeddings) writer.plain("lm_head.weight", "head.weight");
  if (deepseek) {
    write_hf_deepseek(writer, m);
    out.config = hf_deepseek_config(m);
  } else {
    write_hf_llama(writer, m);
    out.config = hf_llama_config(m);
  }
  writer.finish();
  out.notes = w.leftovers();
  out.file.metadata["format"] = "pt";
  out.architecture = out.config["architectures"][0].get<std::string>();
  auto& c = out.config;
  c.update({{"hidden_size", m.d_model},
            {"num_hidden_layers", m.n_layers},
            {"num_attention_heads", m.n_heads},
            {"hidden_act", "silu"},
            {"max_position_embeddings", m.max_seq_len},
            {"rms_norm_eps", m.norm_eps},
            {"rope_theta", m.rope_theta},
            {"vocab_size", m.vocab_size},
            {"tie_word_embeddings", m.tie_embeddings},
            {"attention_bias", false}});
  c["torch_dtype"] = type == "f16" ? "float16" : type == "bf16" ? "bfloat16" : "float32";
  c["r1wb_tokenizer"] = name_of(m.tokenizer);
  if (writer.quantized())
    c["quantization_config"] = {
        {"quant_method", "r1wb"},
        {"bits", type == "int8" ? 8 : 4},
        {"group_size", type == "int8" ? -1 : group},  // -1: one scale per output channel
        {"symmetric", true},
        {"layout", type == "int8" ? "<key>: I8 [out, in]; <key>_scale: F32 [out, 1]; w = q * scale"
                                  : "<key>: U8 [out, in/2], even input in the low nibble, stored as q + 8; "
                                    "<key>_scale: F32 [out, in/group_size]; w = q * scale"},
        {"modules", deepseek ? "self_attn q/kv_a_proj_with_mqa/kv_b/o_proj, mlp gate/up/down_proj, experts and "
                               "shared_experts gate/up/down_proj; the rest float32"
                             : "self_attn q/k/v/o_proj, mlp gate/up/down_proj, experts w1/w2/w3; the rest float32"}};
  return out;
}

void load_safetensors(const safetensors::File& f, TransformerLM& model, const Experiment& e) {
  try {
    auto w = is_deepseek(e.model) ? read_hf_deepseek(f, e.model) : read_hf_llama(f, e.model);
    w["embed.weight"] = read_plain(f, "model.embed_tokens.weight");
    w["norm.weight"] = read_plain(f, "model.norm.weight");
    if (!e.model.tie_embeddings) w["head.weight"] = read_plain(f, "lm_head.weight");
    load_weights(model, w);
  } catch (const safetensors::Error&) {
    throw;
  } catch (const std::exception& x) {
    throw safetensors::Error(x.what());
  }
}

}  // namespace r1wb::gpu
