#include "core/config/config_schema.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

namespace r1wb {
namespace {

using nlohmann::json;

// Row builders: the member pointer ties each row to its field in `Experiment`.
template <class Section, class T>
std::function<void(Experiment&, const json&)> bind(Section Experiment::*section, T Section::*member) {
  return [=](Experiment& e, const json& v) { (e.*section).*member = v.get<T>(); };
}
template <class T>
std::function<void(Experiment&, const json&)> bind_attn(T AttentionConfig::*member) {
  return [=](Experiment& e, const json& v) { e.model.attention.*member = v.get<T>(); };
}
template <class T>
std::function<void(Experiment&, const json&)> bind_moe(T MoeConfig::*member) {
  return [=](Experiment& e, const json& v) { e.model.moe.*member = v.get<T>(); };
}

FieldSpec int_field(std::string path, int def, double lo, double hi, std::string desc,
                    std::function<void(Experiment&, const json&)> assign) {
  return {std::move(path), FieldType::Int, def, lo, hi, {}, std::move(desc), std::move(assign)};
}
FieldSpec float_field(std::string path, double def, double lo, double hi, std::string desc,
                      std::function<void(Experiment&, const json&)> assign) {
  return {std::move(path), FieldType::Float, def, lo, hi, {}, std::move(desc), std::move(assign)};
}
FieldSpec bool_field(std::string path, bool def, std::string desc,
                     std::function<void(Experiment&, const json&)> assign) {
  return {std::move(path), FieldType::Bool, def, {}, {}, {}, std::move(desc), std::move(assign)};
}
FieldSpec enum_field(std::string path, std::string def, std::vector<std::string> choices,
                     std::string desc, std::function<void(Experiment&, const json&)> assign) {
  return {std::move(path), FieldType::Enum, def, {}, {}, std::move(choices), std::move(desc),
          std::move(assign)};
}

std::vector<CurriculumPhase> parse_phases(const json& v) {
  std::vector<CurriculumPhase> phases;
  for (const auto& p : v) {
    CurriculumPhase phase;
    phase.until = p.value("until", 1.0);
    phase.loss_below = p.value("loss_below", 0.0);
    for (auto it = p["mix"].begin(); it != p["mix"].end(); ++it)
      phase.mix.emplace_back(std::stoi(it.key()), it.value().get<double>());
    phases.push_back(std::move(phase));
  }
  return phases;
}

bool is_level(const std::string& key) {
  return !key.empty() && key.size() <= 2 && std::all_of(key.begin(), key.end(), ::isdigit) && std::stoi(key) >= 1;
}

void check_phases(const json& list, const std::string& path, std::vector<ConfigError>& errors) {
  if (list.empty()) errors.push_back({path, "is empty (expected at least one phase)"});
  double last_until = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    const json& p = list[i];
    if (!p.is_object()) { errors.push_back({at, p.dump() + " is not an object (expected {until, loss_below, mix})"}); continue; }
    for (auto it = p.begin(); it != p.end(); ++it)
      if (it.key() != "until" && it.key() != "loss_below" && it.key() != "mix")
        errors.push_back({at + "." + it.key(), "unknown key; expected one of: loss_below, mix, until"});
    const json until = p.value("until", json(1.0));
    if (!until.is_number() || until.get<double>() <= 0 || until.get<double>() < last_until || until.get<double>() > 1.0)
      errors.push_back({at + ".until", until.dump() + " is not in [" + format_number(std::max(last_until, 0.0)) +
                                           ", 1] above 0 (expected non-decreasing shares of the steps)"});
    else
      last_until = until.get<double>();
    if (p.contains("loss_below") && (!p["loss_below"].is_number() || p["loss_below"].get<double>() < 0))
      errors.push_back({at + ".loss_below", p["loss_below"].dump() + " is not a number >= 0"});
    if (!p.contains("mix") || !p["mix"].is_object() || p["mix"].empty()) {
      errors.push_back({at + ".mix", (p.contains("mix") ? p["mix"].dump() : std::string("missing")) +
                                         " (expected an object {\"<difficulty>\": weight} with at least one entry)"});
      continue;
    }
    double total = 0;
    for (auto it = p["mix"].begin(); it != p["mix"].end(); ++it) {
      if (!is_level(it.key())) errors.push_back({at + ".mix." + it.key(), "is not a difficulty level (expected 1, 2, ...)"});
      else if (!it.value().is_number() || it.value().get<double>() < 0)
        errors.push_back({at + ".mix." + it.key(), it.value().dump() + " is not a weight >= 0"});
      else total += it.value().get<double>();
    }
    if (total <= 0 && errors.empty()) errors.push_back({at + ".mix", "weights sum to 0 (expected a positive sum)"});
  }
}

std::vector<FieldSpec> build_schema() {
  using E = Experiment;
  using M = ModelConfig;
  using D = DataConfig;
  using T = TrainConfig;
  using C = CurriculumConfig;
  using L = TelemetryConfig;
  return {
      {"name", FieldType::String, "experiment", {}, {}, {}, "Experiment name; runs are named after it.",
       [](E& e, const json& v) { e.name = v.get<std::string>(); }},
      {"description", FieldType::String, "", {}, {}, {}, "Free text shown in the experiment browser.",
       [](E& e, const json& v) { e.description = v.get<std::string>(); }},

      enum_field("model.tokenizer", "byte", {"byte", "bpe"},
                 "byte: byte-level, vocabulary 256. bpe: SentencePiece BPE of model.vocab_size pieces, trained at "
                 "the start of the run on its own corpus (the text corpus, or 20,000 generated examples of a "
                 "synthetic task) and kept in the run directory as tokenizer.model (pieces in tokenizer.vocab); "
                 "lossless: byte fallback, no normalisation, digits split.",
                 bind(&E::model, &M::tokenizer)),
      int_field("model.vocab_size", 256, 256, 1 << 20,
                "Vocabulary size: at least 256 for the byte tokenizer; for bpe the pieces trained (its 256 byte "
                "pieces, 3 control tokens and the corpus's characters included).",
                bind(&E::model, &M::vocab_size)),
      int_field("model.d_model", 64, 8, 16384, "Residual stream width.", bind(&E::model, &M::d_model)),
      int_field("model.n_layers", 2, 1, 256, "Transformer blocks.", bind(&E::model, &M::n_layers)),
      int_field("model.n_heads", 4, 1, 256, "Attention heads; must divide d_model into an even head size.",
                bind(&E::model, &M::n_heads)),
      enum_field("model.ffn", "moe", {"moe", "dense"}, "Feed-forward block: Mixture-of-Experts or dense SwiGLU.",
                 bind(&E::model, &M::ffn)),
      int_field("model.first_k_dense", 0, 0, 256,
                "With ffn \"moe\": the first k blocks use the dense SwiGLU FFN instead (V3: 3).",
                bind(&E::model, &M::first_k_dense)),
      int_field("model.ffn_hidden", 128, 1, 1 << 20, "Hidden width of the dense SwiGLU block.",
                bind(&E::model, &M::ffn_hidden)),
      int_field("model.max_seq_len", 128, 2, 1 << 20, "Longest sequence the RoPE tables cover.",
                bind(&E::model, &M::max_seq_len)),
      float_field("model.rope_theta", 10000.0, 1.0, 1e9, "RoPE base frequency.", bind(&E::model, &M::rope_theta)),
      float_field("model.norm_eps", 1e-5, 0.0, 1.0, "RMSNorm epsilon.", bind(&E::model, &M::norm_eps)),
      bool_field("model.tie_embeddings", true, "Share the input embedding with the output head.",
                 bind(&E::model, &M::tie_embeddings)),
      float_field("model.mtp_weight", 0.0, 0.0, 10.0,
                  "Multi-token prediction (DeepSeek-V3 sec. 2.2): one MTP module (a block over RMSNorm'd main "
                  "hidden state and next-token embedding, projected) predicts the token after next through the "
                  "shared head; its loss is added with this weight lambda (V3: 0.3, then 0.1). 0 is off.",
                  bind(&E::model, &M::mtp_weight)),
      enum_field("model.attention.kind", "mha", {"mha", "mla"},
                 "mha: causal multi-head attention with RoPE (GQA with n_kv_heads); mla: DeepSeek-V2/V3 "
                 "multi-head latent attention, keys and values from a compressed latent plus a decoupled RoPE key.",
                 bind_attn(&AttentionConfig::kind)),
      int_field("model.attention.n_kv_heads", 0, 0, 256,
                "mha: key/value heads; 0 means n_heads (MHA), fewer shares each among n_heads / n_kv_heads "
                "query heads (GQA).",
                bind_attn(&AttentionConfig::n_kv_heads)),
      int_field("model.attention.sliding_window", 0, 0, 1 << 20,
                "Each query attends to at most this many most recent keys, itself included; 0 is off.",
                bind_attn(&AttentionConfig::sliding_window)),
      enum_field("model.attention.scores", "softmax", {"softmax", "sigmoid_gate"},
                 "softmax; or sigmoid_gate, a variant from write-ups about R1 (not DeepSeek's papers): weights "
                 "sigmoid(gamma_h * QK^T / sqrt(d)) with gamma learnable per head (init 0.5).",
                 bind_attn(&AttentionConfig::scores)),
      bool_field("model.attention.sigmoid_log_bias", false,
                 "sigmoid_gate: add the -log(seq_len) score bias that sigmoid-attention work found necessary.",
                 bind_attn(&AttentionConfig::sigmoid_log_bias)),
      int_field("model.attention.kv_lora_rank", 32, 1, 1 << 16, "mla: width of the compressed key/value latent.",
                bind_attn(&AttentionConfig::kv_lora_rank)),
      int_field("model.attention.rope_head_dim", 8, 2, 1024,
                "mla: width of the decoupled RoPE part of each query and the shared RoPE key (even).",
                bind_attn(&AttentionConfig::rope_head_dim)),
      int_field("model.moe.num_experts", 4, 1, 4096, "Routed experts per MoE layer.",
                bind_moe(&MoeConfig::num_experts)),
      int_field("model.moe.top_k", 2, 1, 4096, "Routed experts each token is sent to.",
                bind_moe(&MoeConfig::top_k)),
      int_field("model.moe.expert_hidden", 128, 1, 1 << 20, "SwiGLU hidden width of one expert.",
                bind_moe(&MoeConfig::expert_hidden)),
      int_field("model.moe.num_shared_experts", 0, 0, 64,
                "Always-on shared experts (DeepSeekMoE), each expert_hidden wide; their output is added "
                "unweighted.",
                bind_moe(&MoeConfig::num_shared_experts)),
      enum_field("model.moe.score_func", "softmax", {"softmax", "sigmoid"},
                 "Token-to-expert affinity: softmax over experts (V2, classic) or per-expert sigmoid (V3).",
                 bind_moe(&MoeConfig::score_func)),
      bool_field("model.moe.renormalize", true,
                 "Renormalise the chosen experts' gate weights to sum to 1. V3 does so for sigmoid scores; "
                 "V3 with softmax leaves them as they are.",
                 bind_moe(&MoeConfig::renormalize)),
      float_field("model.moe.routed_scaling_factor", 1.0, 0.0, 100.0,
                  "Gate weights are multiplied by this (V3: 2.5).", bind_moe(&MoeConfig::routed_scaling_factor)),
      int_field("model.moe.n_groups", 1, 1, 4096,
                "Expert groups for group-limited routing; a group scores the sum of its top-2 biased scores.",
                bind_moe(&MoeConfig::n_groups)),
      int_field("model.moe.topk_groups", 1, 1, 4096, "Groups a token may route to (group-limited routing).",
                bind_moe(&MoeConfig::topk_groups)),
      float_field("model.moe.bias_update_speed", 0.0, 0.0, 1.0,
                  "Auxiliary-loss-free balancing (V3): a per-expert bias added to the scores for selection "
                  "only, updated after each step by b_i += gamma * sign(mean_load - load_i); 0 is off "
                  "(V3: 0.001).",
                  bind_moe(&MoeConfig::bias_update_speed)),
      float_field("model.moe.aux_loss_weight", 0.01, 0.0, 10.0,
                  "Weight of the batch-level load-balancing loss E * sum_i f_i * P_i (Switch/GShard).",
                  bind_moe(&MoeConfig::aux_loss_weight)),
      float_field("model.moe.seq_aux_loss_weight", 0.0, 0.0, 10.0,
                  "Weight alpha of V3's sequence-wise balance loss sum_i f_i * P_i per sequence (V3: 1e-4).",
                  bind_moe(&MoeConfig::seq_aux_loss_weight)),
      float_field("model.moe.z_loss_weight", 0.0, 0.0, 10.0,
                  "Router z-loss weight: mean over tokens of logsumexp(router logits)^2 (ST-MoE).",
                  bind_moe(&MoeConfig::z_loss_weight)),
      float_field("model.moe.capacity_factor", 0.0, 0.0, 64.0,
                  "0: dropless. Otherwise each expert takes at most ceil(cf * tokens * top_k / experts) "
                  "token slots per micro-batch, in token order; the rest are dropped (residual only).",
                  bind_moe(&MoeConfig::capacity_factor)),
      int_field("model.moe.dynamic_k_max", 0, 0, 4096,
                "Variant from write-ups about R1, not in DeepSeek's papers: tokens whose normalised router "
                "entropy exceeds dynamic_entropy_threshold use this many experts instead of top_k; 0 is off.",
                bind_moe(&MoeConfig::dynamic_k_max)),
      float_field("model.moe.dynamic_entropy_threshold", 0.5, 0.0, 1.0,
                  "Normalised router entropy (0..1) above which dynamic top-k treats a token as hard.",
                  bind_moe(&MoeConfig::dynamic_entropy_threshold)),
      bool_field("model.moe.shared_input_proj", false,
                 "Variant from write-ups about R1, not in DeepSeek's papers: all experts share one "
                 "up-projection (computed once per token); gate and down projections stay per expert.",
                 bind_moe(&MoeConfig::shared_input_proj)),

      enum_field("data.task", "addition", {"addition", "multiplication", "sorting", "countdown", "text"},
                 "Synthetic reasoning task with a <think> scratchpad: addition and multiplication (difficulty = "
                 "digits per operand), sorting (difficulty + 1 numbers), countdown (reach a target from "
                 "difficulty + 1 numbers with + - *); or text: the corpus at data.corpus.",
                 bind(&E::data, &D::task)),
      {"data.corpus", FieldType::String, "", {}, {}, {},
       "text: a text file or a folder of them (every file below it); documents are separated by blank "
       "lines. Tokenized once into the run directory's token_cache and memory-mapped from there.",
       bind(&E::data, &D::corpus)},
      enum_field("data.packing", "pack", {"pack", "bucket", "pad"},
                 "text: pack = rows are consecutive tokens of the whole corpus, no padding; bucket = one document "
                 "(or seq_len piece) per row, rows of similar length batched together so padding stays small; "
                 "pad = the same rows in random batches (the baseline). Padding is the metric data/padding_frac.",
                 bind(&E::data, &D::packing)),
      int_field("data.min_difficulty", 1, 1, 30, "Lowest difficulty level sampled.",
                bind(&E::data, &D::min_difficulty)),
      int_field("data.max_difficulty", 2, 1, 30, "Highest difficulty level sampled.",
                bind(&E::data, &D::max_difficulty)),
      int_field("data.seq_len", 64, 8, 1 << 20,
                "Tokens per training row: synthetic examples are packed into it; text rows are at most this long.",
                bind(&E::data, &D::seq_len)),
      int_field("data.seed", 1234, 0, 2147483647, "Seed of the example generator.", bind(&E::data, &D::seed)),

      int_field("train.steps", 200, 1, 1e9, "Optimizer steps.", bind(&E::train, &T::steps)),
      int_field("train.batch_size", 32, 1, 1 << 20, "Sequences per micro-batch.", bind(&E::train, &T::batch_size)),
      int_field("train.grad_accum", 1, 1, 4096, "Micro-batches accumulated per optimizer step.",
                bind(&E::train, &T::grad_accum)),
      float_field("train.lr", 3e-3, 0.0, 10.0, "Peak learning rate.", bind(&E::train, &T::lr)),
      float_field("train.min_lr_ratio", 0.1, 0.0, 1.0, "Final learning rate as a fraction of the peak (cosine).",
                  bind(&E::train, &T::min_lr_ratio)),
      int_field("train.warmup_steps", 20, 0, 1e9, "Linear warmup steps before the cosine decay.",
                bind(&E::train, &T::warmup_steps)),
      enum_field("train.lr_schedule", "cosine", {"cosine", "cosine_restarts", "wsd", "v3"},
                 "After linear warmup: cosine to min_lr_ratio; cosine_restarts (SGDR) with cycles of "
                 "restart_period steps growing by restart_mult; wsd (warmup-stable-decay) holds the peak and "
                 "decays linearly to min_lr_ratio over the last decay_fraction of steps; v3 is DeepSeek-V3's "
                 "warmup-constant-cosine-step tail (see the v3_* keys).",
                 bind(&E::train, &T::lr_schedule)),
      int_field("train.restart_period", 100, 1, 1e9, "cosine_restarts: steps of the first cycle after warmup.",
                bind(&E::train, &T::restart_period)),
      float_field("train.restart_mult", 2.0, 1.0, 100.0, "cosine_restarts: each cycle is this many times longer.",
                  bind(&E::train, &T::restart_mult)),
      float_field("train.decay_fraction", 0.2, 0.0, 1.0, "wsd: share of the steps spent in the final linear decay.",
                  bind(&E::train, &T::decay_fraction)),
      float_field("train.v3_decay_start", 0.676, 0.0, 1.0,
                  "v3: fraction of steps where the constant peak ends and the cosine decay starts (V3: 10T of "
                  "14.8T tokens).",
                  bind(&E::train, &T::v3_decay_start)),
      float_field("train.v3_decay_end", 0.966, 0.0, 1.0,
                  "v3: fraction where the cosine decay to min_lr_ratio ends (V3: 14.3T of 14.8T tokens).",
                  bind(&E::train, &T::v3_decay_end)),
      float_field("train.v3_tail_step", 0.9775, 0.0, 1.0,
                  "v3: fraction after which the tail drops from min_lr_ratio to v3_tail_ratio (V3: after 333B "
                  "of the last 500B tokens).",
                  bind(&E::train, &T::v3_tail_step)),
      float_field("train.v3_tail_ratio", 0.0332, 0.0, 1.0,
                  "v3: LR of the last part of the tail as a fraction of the peak (V3: 7.3e-6 / 2.2e-4).",
                  bind(&E::train, &T::v3_tail_ratio)),
      enum_field("train.optimizer", "adamw", {"adamw", "lamb"},
                 "adamw (DeepSeek's: betas 0.9 / 0.95, weight decay 0.1, clip 1.0) or lamb (Adam moments, "
                 "per-tensor trust ratio ||w|| / ||update||). Both skip weight decay on norms, biases and "
                 "embeddings.",
                 bind(&E::train, &T::optimizer)),
      float_field("train.weight_decay", 0.1, 0.0, 10.0, "AdamW decoupled weight decay.",
                  bind(&E::train, &T::weight_decay)),
      float_field("train.beta1", 0.9, 0.0, 0.999999, "AdamW beta1.", bind(&E::train, &T::beta1)),
      float_field("train.beta2", 0.95, 0.0, 0.999999, "AdamW beta2.", bind(&E::train, &T::beta2)),
      float_field("train.eps", 1e-8, 0.0, 1.0, "AdamW epsilon.", bind(&E::train, &T::eps)),
      float_field("train.grad_clip", 1.0, 0.0, 1e6, "Global gradient-norm clip; 0 disables.",
                  bind(&E::train, &T::grad_clip)),
      int_field("train.recompute_layers", 0, 0, 1 << 20,
                "Activation checkpointing: the first N blocks keep only their input and recompute the rest in "
                "backward (one more forward of those blocks per step for less memory). 0 is off; n_layers covers "
                "every block; more than n_layers adds the MTP block.",
                bind(&E::train, &T::recompute_layers)),
      enum_field("train.precision", "fp32", {"fp32", "bf16", "fp16"},
                 "Forward-pass precision: fp32; bf16 autocast; fp16 autocast with dynamic loss scaling "
                 "(GradScaler's defaults: start 2^16, halve and skip the step on overflow, double after 2000 "
                 "clean steps; the scale is the metric train/loss_scale). fp16 needs CUDA with LibTorch 1.x.",
                 bind(&E::train, &T::precision)),
      int_field("train.seed", 0, 0, 2147483647, "Seed of parameter initialisation.", bind(&E::train, &T::seed)),
      enum_field("train.device", "auto", {"auto", "cpu", "cuda"},
                 "Where to train: auto picks CUDA when LibTorch sees a GPU, else the CPU.",
                 bind(&E::train, &T::device)),
      int_field("train.threads", 0, 0, 1024,
                "Torch intra-op threads; 0 uses every core. See blas_threads (measured in README).",
                bind(&E::train, &T::threads)),
      int_field("train.blas_threads", 1, 0, 1024,
                "OpenBLAS threads inside each torch op; 0 keeps OpenBLAS's default (all cores). With both "
                "at all cores they oversubscribe: 2x slower on 2 cores.",
                bind(&E::train, &T::blas_threads)),
      int_field("train.checkpoint_every", 50, 0, 1e9, "Steps between checkpoints; 0 writes one only at the end.",
                bind(&E::train, &T::checkpoint_every)),
      int_field("train.keep_checkpoints", 2, 1, 1000, "Newest checkpoints kept on disk.",
                bind(&E::train, &T::keep_checkpoints)),

      enum_field("curriculum.mode", "none", {"none", "ramp", "phases", "loss_driven"},
                 "none: difficulties uniform in [min, max]; ramp: the top difficulty rises from min to max over "
                 "the first ramp_fraction of steps; phases: the phase list by share of steps; loss_driven: the "
                 "phase list, each phase left when the loss EMA falls below its loss_below. Each phase change "
                 "is an event (snapshot curriculum/mix) with the new mix.",
                 bind(&E::curriculum, &C::mode)),
      float_field("curriculum.ramp_fraction", 0.5, 0.0, 1.0, "ramp: share of steps the ramp takes.",
                  bind(&E::curriculum, &C::ramp_fraction)),
      float_field("curriculum.loss_ema", 0.9, 0.0, 0.9999, "loss_driven: EMA factor of the loss the thresholds see.",
                  bind(&E::curriculum, &C::loss_ema)),
      {"curriculum.phases", FieldType::List,
       json::array({{{"until", 0.2}, {"loss_below", 1.0}, {"mix", {{"1", 1.0}}}},
                    {{"until", 0.6}, {"loss_below", 0.5}, {"mix", {{"1", 0.5}, {"2", 0.5}}}},
                    {{"until", 1.0}, {"loss_below", 0.0}, {"mix", {{"2", 1.0}}}}}),
       {}, {}, {},
       "Phases in order, each {\"until\": share of steps it ends at, \"loss_below\": loss EMA that ends it in "
       "loss_driven mode, \"mix\": {\"<difficulty>\": weight}}; default easy / mixed / hard over 0-20 / 20-60 / "
       "60-100 %.",
       [](E& e, const json& v) { e.curriculum.phases = parse_phases(v); }, check_phases},

      int_field("telemetry.log_every", 10, 1, 1e9, "Steps between metric records.",
                bind(&E::telemetry, &L::log_every)),
      int_field("telemetry.expert_load_every", 10, 1, 1e9, "Steps between expert-load snapshots.",
                bind(&E::telemetry, &L::expert_load_every)),
      int_field("telemetry.probe_every", 50, 0, 1e9,
                "Steps between probes on probe_text: each token's experts per MoE layer and every layer's and "
                "head's attention weights and entropy (snapshots probe/*); 0 is off.",
                bind(&E::telemetry, &L::probe_every)),
      {"telemetry.probe_text", FieldType::String, "57+68=<think>7+8=15 c1;5+6+1=12 c1;</think><answer>125</answer>",
       {}, {}, {}, "The fixed text the probes run on (bytes; cut to model.max_seq_len).",
       [](E& e, const json& v) { e.telemetry.probe_text = v.get<std::string>(); }},
  };
}

}  // namespace

const std::vector<FieldSpec>& experiment_schema() {
  static const std::vector<FieldSpec> schema = build_schema();
  return schema;
}

const FieldSpec* find_field(const std::string& path) {
  for (const auto& f : experiment_schema())
    if (f.path == path) return &f;
  return nullptr;
}

std::string format_number(double x) {
  if (x == static_cast<double>(static_cast<long long>(x)) && std::abs(x) < 1e15)
    return std::to_string(static_cast<long long>(x));
  std::ostringstream o;
  o << x;
  return o.str();
}

const char* field_type_name(FieldType t) {
  switch (t) {
    case FieldType::Int: return "integer";
    case FieldType::Float: return "number";
    case FieldType::Bool: return "boolean";
    case FieldType::String: return "string";
    case FieldType::Enum: return "choice";
    case FieldType::List: return "list";
  }
  return "?";
}

std::string schema_markdown() {
  std::ostringstream out;
  out << "| key | type | default | allowed | description |\n|---|---|---|---|---|\n";
  for (const auto& f : experiment_schema()) {
    std::string allowed;
    if (f.type == FieldType::Enum) {
      for (size_t i = 0; i < f.choices.size(); ++i) allowed += (i ? ", " : "") + ("`" + f.choices[i] + "`");
    } else if (f.min && f.max) {
      allowed = "[" + format_number(*f.min) + ", " + format_number(*f.max) + "]";
    }
    out << "| `" << f.path << "` | " << field_type_name(f.type) << " | `" << f.default_value.dump() << "` | "
        << allowed << " | " << f.description << " |\n";
  }
  return out.str();
}

std::string value_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return format_number(v.get<double>());
  return v.dump();
}

}  // namespace r1wb
