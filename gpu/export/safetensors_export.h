// A trained model as a Hugging Face checkpoint: model.safetensors with transformers' key names
// and the config.json of the matching architecture: LlamaForCausalLM for a dense model,
// MixtralForCausalLM for an MoE in Mixtral's layout (safetensors_llama.h), DeepseekV3ForCausalLM
// for a DeepSeek-V3 style model (safetensors_deepseek.h); a model that fits none is refused with
// the fields that block each.
//
// Types: f32, f16, bf16 for every tensor; int8 and int4 quantize the block matrices (attention
// q/k/v/o, the FFN or experts' gate/up/down) as quantization-aware training rounds them
// (fake_quant.h), storing the real integers and scales, norms, routers, embedding and head in
// f32; a run that learned its steps on the export's grid (learned_steps.h) is stored on them.
// The layout (config.json's quantization_config says which):
//   int8   "<key>"        I8 [out, in]           q in [-127, 127]
//          "<key>_scale"  F32 [out, 1]           w = q x scale
//   int4   "<key>"        U8 [out, in / 2]       two values per byte, the even input in the low
//                                                nibble, each stored as q + 8 (q in [-8, 7])
//          "<key>_scale"  F32 [out, in / group]  w = q x scale of its group of inputs
#pragma once
#include "core/config/config.h"
#include "core/formats/safetensors.h"
#include "gpu/model/transformer.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace r1wb::gpu {

struct SafetensorsExport {
  safetensors::File file;
  nlohmann::json config;           //!< config.json
  std::string architecture;        //!< "LlamaForCausalLM", "MixtralForCausalLM" or "DeepseekV3ForCausalLM"
  std::vector<std::string> notes;  //!< what was left out
};

//! `type` is f32, f16, bf16, int8 or int4 (group_size inputs per int4 scale). Throws
//! std::invalid_argument with the blocking fields when the model does not export.
SafetensorsExport export_safetensors(TransformerLM& model, const Experiment& e, const std::string& type,
                                     int group_size);

//! Loads the weights an export of this model holds into `model`, dequantized (the engine's view
//! of the file). Throws safetensors::Error naming the tensor when one is missing or of another
//! shape.
void load_safetensors(const safetensors::File& file, TransformerLM& model, const Experiment& e);

}  // namespace r1wb::gpu
