#include "core/config/config_schema.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>
#include <type_traits>

namespace r1wb {
namespace {

using nlohmann::json;

// One token names a field: R1WB_FIELD(model.moe.top_k) is the path "model.moe.top_k" and an
// accessor of e.model.moe.top_k, so the path and the member cannot drift apart.
#define R1WB_FIELD(path) \
#path, [](auto& e) -> auto& { return e.path; }

template <class T>
constexpr FieldType field_type() {
  if constexpr (std::is_same_v<T, bool>)
    return FieldType::Bool;
  else if constexpr (std::is_integral_v<T>)
    return FieldType::Int;
  else if constexpr (std::is_floating_point_v<T>)
    return FieldType::Float;
  else if constexpr (std::is_enum_v<T>)
    return FieldType::Enum;
  else
    return FieldType::String;
}

// A row of the schema. Its default is the field's value in a default-constructed Experiment
// (the struct's member initialiser); an enum's choices are its EnumNames.
template <class Access>
FieldSpec field(const char* path, Access access, std::optional<double> lo, std::optional<double> hi,
                std::string description) {
  using T = std::decay_t<decltype(access(std::declval<Experiment&>()))>;
  FieldSpec f{path, field_type<T>(), {}, lo, hi, {}, std::move(description), {}, {}, {}};
  if constexpr (std::is_enum_v<T>) {
    for (const char* name : EnumNames<T>::names) f.choices.emplace_back(name);
    f.assign = [access](Experiment& e, const json& v) { access(e) = *parse_enum<T>(v.get<std::string>()); };
    f.read = [access](const Experiment& e) { return json(name_of(access(e))); };
  } else {
    f.assign = [access](Experiment& e, const json& v) { access(e) = v.get<T>(); };
    f.read = [access](const Experiment& e) { return json(access(e)); };
  }
  f.default_value = f.read(Experiment());
  return f;
}
template <class Access>
FieldSpec field(const char* path, Access access, std::string description) {
  return field(path, access, std::nullopt, std::nullopt, std::move(description));
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
    if (!p.is_object()) {
      errors.push_back({at, p.dump() + " is not an object (expected {until, loss_below, mix})"});
      continue;
    }
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
      if (!is_level(it.key()))
        errors.push_back({at + ".mix." + it.key(), "is not a difficulty level (expected 1, 2, ...)"});
      else if (!it.value().is_number() || it.value().get<double>() < 0)
        errors.push_back({at + ".mix." + it.key(), it.value().dump() + " is not a weight >= 0"});
      else
        total += it.value().get<double>();
    }
    if (total <= 0 && errors.empty()) errors.push_back({at + ".mix", "weights sum to 0 (expected a positive sum)"});
  }
}

json phases_json(const std::vector<CurriculumPhase>& phases) {
  json list = json::array();
  for (const auto& p : phases) {
    json mix = json::object();
    for (const auto& [level, weight] : p.mix) mix[std::to_string(level)] = weight;
    list.push_back({{"until", p.until}, {"loss_below", p.loss_below}, {"mix", mix}});
  }
  return list;
}

std::vector<FieldSpec> build_schema() {
  FieldSpec phases{"curriculum.phases",
                   FieldType::List,
                   phases_json(Experiment().curriculum.phases),
                   {},
                   {},
                   {},
                   "Phases in order, each {\"until\": share of steps it ends at, \"loss_below\": loss EMA that "
                   "ends it in loss_driven mode, \"mix\": {\"<difficulty>\": weight}}; default easy / mixed / "
                   "hard over 0-20 / 20-60 / 60-100 %.",
                   [](Experiment& e, const json& v) { e.curriculum.phases = parse_phases(v); },
                   check_phases,
                   [](const Experiment& e) { return phases_json(e.curriculum.phases); }};
  return {
      field(R1WB_FIELD(name), "Experiment name; runs are named after it."),
      field(R1WB_FIELD(description), "Free text shown in the experiment browser."),
      field(R1WB_FIELD(stage),
            "pretrain: next-token loss from scratch (or from init.run); sft: the same loss on completion "
            "tokens, from a parent run (R1's cold start); rl: reinforcement learning with the task's "
            "verifier as the reward (the rl section), from a parent run; distill: learn from a teacher run "
            "(the distill section), from scratch or from init.run."),
      field(R1WB_FIELD(init.run),
            "The parent run directory a later stage starts from (its weights; the optimizer starts fresh). "
            "Needed by sft and rl; the run records it and the store keeps the lineage."),
      field(R1WB_FIELD(init.step), -1, 1e12, "The parent's checkpoint step; -1 takes its newest intact one."),
      field(R1WB_FIELD(init.prune),
            "magnitude: structured pruning of the parent's FFNs. This run's model.ffn_hidden and "
            "model.moe.expert_hidden may be narrower than the parent's; each dense FFN, expert and shared "
            "expert keeps the hidden neurons whose gate, up and down weights have the largest norms "
            "(product of the three), and this run's training is the recovery. none: the model must be "
            "the parent's."),

      field(R1WB_FIELD(model.tokenizer),
            "byte: byte-level, vocabulary 256. bpe: SentencePiece BPE of model.vocab_size pieces, trained at "
            "the start of the run on its own corpus (the text corpus, or 20,000 generated examples of a "
            "synthetic task) and kept in the run directory as tokenizer.model (pieces in tokenizer.vocab); "
            "lossless: byte fallback, no normalisation, digits split."),
      field(R1WB_FIELD(model.vocab_size), 256, 1 << 20,
            "Vocabulary size: at least 256 for the byte tokenizer; for bpe the pieces trained (its 256 byte "
            "pieces, 3 control tokens and the corpus's characters included)."),
      field(R1WB_FIELD(model.d_model), 8, 16384, "Residual stream width."),
      field(R1WB_FIELD(model.n_layers), 1, 256, "Transformer blocks."),
      field(R1WB_FIELD(model.n_heads), 1, 256, "Attention heads; must divide d_model into an even head size."),
      field(R1WB_FIELD(model.ffn), "Feed-forward block: Mixture-of-Experts or dense SwiGLU."),
      field(R1WB_FIELD(model.first_k_dense), 0, 256,
            "With ffn \"moe\": the first k blocks use the dense SwiGLU FFN instead (V3: 3)."),
      field(R1WB_FIELD(model.ffn_hidden), 1, 1 << 20, "Hidden width of the dense SwiGLU block."),
      field(R1WB_FIELD(model.max_seq_len), 2, 1 << 20, "Longest sequence the RoPE tables cover."),
      field(R1WB_FIELD(model.rope_theta), 1.0, 1e9, "RoPE base frequency."),
      field(R1WB_FIELD(model.norm_eps), 0.0, 1.0, "RMSNorm epsilon."),
      field(R1WB_FIELD(model.tie_embeddings), "Share the input embedding with the output head."),
      field(R1WB_FIELD(model.mtp_weight), 0.0, 10.0,
            "Multi-token prediction (DeepSeek-V3 sec. 2.2): one MTP module (a block over RMSNorm'd main "
            "hidden state and next-token embedding, projected) predicts the token after next through the "
            "shared head; its loss is added with this weight lambda (V3: 0.3, then 0.1). 0 is off."),
      field(R1WB_FIELD(model.attention.kind),
            "mha: causal multi-head attention with RoPE (GQA with n_kv_heads); mla: DeepSeek-V2/V3 "
            "multi-head latent attention, keys and values from a compressed latent plus a decoupled RoPE key."),
      field(R1WB_FIELD(model.attention.n_kv_heads), 0, 256,
            "mha: key/value heads; 0 means n_heads (MHA), fewer shares each among n_heads / n_kv_heads "
            "query heads (GQA)."),
      field(R1WB_FIELD(model.attention.sliding_window), 0, 1 << 20,
            "Each query attends to at most this many most recent keys, itself included; 0 is off."),
      field(R1WB_FIELD(model.attention.scores),
            "softmax; or sigmoid_gate, a variant from write-ups about R1 (not DeepSeek's papers): weights "
            "sigmoid(gamma_h * QK^T / sqrt(d)) with gamma learnable per head (init 0.5)."),
      field(R1WB_FIELD(model.attention.sigmoid_log_bias),
            "sigmoid_gate: add the -log(seq_len) score bias that sigmoid-attention work found necessary."),
      field(R1WB_FIELD(model.attention.kv_lora_rank), 1, 1 << 16, "mla: width of the compressed key/value latent."),
      field(R1WB_FIELD(model.attention.rope_head_dim), 2, 1024,
            "mla: width of the decoupled RoPE part of each query and the shared RoPE key (even)."),
      field(R1WB_FIELD(model.moe.num_experts), 1, 4096, "Routed experts per MoE layer."),
      field(R1WB_FIELD(model.moe.top_k), 1, 4096, "Routed experts each token is sent to."),
      field(R1WB_FIELD(model.moe.expert_hidden), 1, 1 << 20, "SwiGLU hidden width of one expert."),
      field(R1WB_FIELD(model.moe.num_shared_experts), 0, 64,
            "Always-on shared experts (DeepSeekMoE), each expert_hidden wide; their output is added "
            "unweighted."),
      field(R1WB_FIELD(model.moe.score_func),
            "Token-to-expert affinity: softmax over experts (V2, classic) or per-expert sigmoid (V3)."),
      field(R1WB_FIELD(model.moe.renormalize),
            "Renormalise the chosen experts' gate weights to sum to 1. V3 does so for sigmoid scores; "
            "V3 with softmax leaves them as they are."),
      field(R1WB_FIELD(model.moe.routed_scaling_factor), 0.0, 100.0, "Gate weights are multiplied by this (V3: 2.5)."),
      field(R1WB_FIELD(model.moe.n_groups), 1, 4096,
            "Expert groups for group-limited routing; a group scores the sum of its top-2 biased scores."),
      field(R1WB_FIELD(model.moe.topk_groups), 1, 4096, "Groups a token may route to (group-limited routing)."),
      field(R1WB_FIELD(model.moe.bias_update_speed), 0.0, 1.0,
            "Auxiliary-loss-free balancing (V3): a per-expert bias added to the scores for selection "
            "only, updated after each step by b_i += gamma * sign(mean_load - load_i); 0 is off "
            "(V3: 0.001)."),
      field(R1WB_FIELD(model.moe.aux_loss_weight), 0.0, 10.0,
            "Weight of the batch-level load-balancing loss E * sum_i f_i * P_i (Switch/GShard)."),
      field(R1WB_FIELD(model.moe.seq_aux_loss_weight), 0.0, 10.0,
            "Weight alpha of V3's sequence-wise balance loss sum_i f_i * P_i per sequence (V3: 1e-4)."),
      field(R1WB_FIELD(model.moe.z_loss_weight), 0.0, 10.0,
            "Router z-loss weight: mean over tokens of logsumexp(router logits)^2 (ST-MoE)."),
      field(R1WB_FIELD(model.moe.capacity_factor), 0.0, 64.0,
            "0: dropless. Otherwise each expert takes at most ceil(cf * tokens * top_k / experts) "
            "token slots per micro-batch, in token order; the rest are dropped (residual only)."),
      field(R1WB_FIELD(model.moe.dynamic_k_max), 0, 4096,
            "Variant from write-ups about R1, not in DeepSeek's papers: tokens whose normalised router "
            "entropy exceeds dynamic_entropy_threshold use this many experts instead of top_k; 0 is off."),
      field(R1WB_FIELD(model.moe.dynamic_entropy_threshold), 0.0, 1.0,
            "Normalised router entropy (0..1) above which dynamic top-k treats a token as hard."),
      field(R1WB_FIELD(model.moe.shared_input_proj),
            "Variant from write-ups about R1, not in DeepSeek's papers: all experts share one "
            "up-projection (computed once per token); gate and down projections stay per expert."),

      field(R1WB_FIELD(data.task),
            "Synthetic reasoning task with a <think> scratchpad: addition and multiplication (difficulty = "
            "digits per operand), sorting (difficulty + 1 numbers), countdown (reach a target from "
            "difficulty + 1 numbers with + - *); or text: the corpus at data.corpus."),
      field(R1WB_FIELD(data.corpus),
            "text: a text file or a folder of them (every file below it); documents are separated by blank "
            "lines. Tokenized once into the run directory's token_cache and memory-mapped from there."),
      field(R1WB_FIELD(data.packing),
            "text: pack = rows are consecutive tokens of the whole corpus, no padding; bucket = one document "
            "(or seq_len piece) per row, rows of similar length batched together so padding stays small; "
            "pad = the same rows in random batches (the baseline). Padding is the metric data/padding_frac."),
      field(R1WB_FIELD(data.min_difficulty), 1, 30, "Lowest difficulty level sampled."),
      field(R1WB_FIELD(data.max_difficulty), 1, 30, "Highest difficulty level sampled."),
      field(R1WB_FIELD(data.seq_len), 8, 1 << 20,
            "Tokens per training row: synthetic examples are packed into it; text rows are at most this long."),
      field(R1WB_FIELD(data.seed), 0, 2147483647, "Seed of the example generator."),

      field(R1WB_FIELD(train.steps), 1, 1e9, "Optimizer steps."),
      field(R1WB_FIELD(train.batch_size), 1, 1 << 20, "Sequences per micro-batch."),
      field(R1WB_FIELD(train.grad_accum), 1, 4096, "Micro-batches accumulated per optimizer step."),
      field(R1WB_FIELD(train.lr), 0.0, 10.0, "Peak learning rate."),
      field(R1WB_FIELD(train.min_lr_ratio), 0.0, 1.0, "Final learning rate as a fraction of the peak (cosine)."),
      field(R1WB_FIELD(train.warmup_steps), 0, 1e9, "Linear warmup steps before the cosine decay."),
      field(R1WB_FIELD(train.lr_schedule),
            "After linear warmup: cosine to min_lr_ratio; cosine_restarts (SGDR) with cycles of "
            "restart_period steps growing by restart_mult; wsd (warmup-stable-decay) holds the peak and "
            "decays linearly to min_lr_ratio over the last decay_fraction of steps; v3 is DeepSeek-V3's "
            "warmup-constant-cosine-step tail (see the v3_* keys)."),
      field(R1WB_FIELD(train.restart_period), 1, 1e9, "cosine_restarts: steps of the first cycle after warmup."),
      field(R1WB_FIELD(train.restart_mult), 1.0, 100.0, "cosine_restarts: each cycle is this many times longer."),
      field(R1WB_FIELD(train.decay_fraction), 0.0, 1.0, "wsd: share of the steps spent in the final linear decay."),
      field(R1WB_FIELD(train.v3_decay_start), 0.0, 1.0,
            "v3: fraction of steps where the constant peak ends and the cosine decay starts (V3: 10T of "
            "14.8T tokens)."),
      field(R1WB_FIELD(train.v3_decay_end), 0.0, 1.0,
            "v3: fraction where the cosine decay to min_lr_ratio ends (V3: 14.3T of 14.8T tokens)."),
      field(R1WB_FIELD(train.v3_tail_step), 0.0, 1.0,
            "v3: fraction after which the tail drops from min_lr_ratio to v3_tail_ratio (V3: after 333B "
            "of the last 500B tokens)."),
      field(R1WB_FIELD(train.v3_tail_ratio), 0.0, 1.0,
            "v3: LR of the last part of the tail as a fraction of the peak (V3: 7.3e-6 / 2.2e-4)."),
      field(R1WB_FIELD(train.optimizer),
            "adamw (DeepSeek's: betas 0.9 / 0.95, weight decay 0.1, clip 1.0) or lamb (Adam moments, "
            "per-tensor trust ratio ||w|| / ||update||). Both skip weight decay on norms, biases and "
            "embeddings."),
      field(R1WB_FIELD(train.weight_decay), 0.0, 10.0, "AdamW decoupled weight decay."),
      field(R1WB_FIELD(train.beta1), 0.0, 0.999999, "AdamW beta1."),
      field(R1WB_FIELD(train.beta2), 0.0, 0.999999, "AdamW beta2."),
      field(R1WB_FIELD(train.eps), 0.0, 1.0, "AdamW epsilon."),
      field(R1WB_FIELD(train.grad_clip), 0.0, 1e6, "Global gradient-norm clip; 0 disables."),
      field(R1WB_FIELD(train.recompute_layers), 0, 1 << 20,
            "Activation checkpointing: the first N blocks keep only their input and recompute the rest in "
            "backward (one more forward of those blocks per step for less memory). 0 is off; n_layers covers "
            "every block; more than n_layers adds the MTP block."),
      field(R1WB_FIELD(train.precision),
            "Forward-pass precision: fp32; bf16 autocast; fp16 autocast with dynamic loss scaling "
            "(GradScaler's defaults: start 2^16, halve and skip the step on overflow, double after 2000 "
            "clean steps; the scale is the metric train/loss_scale). fp16 needs CUDA with LibTorch 1.x."),
      field(R1WB_FIELD(train.seed), 0, 2147483647, "Seed of parameter initialisation."),
      field(R1WB_FIELD(train.device), "Where to train: auto picks CUDA when LibTorch sees a GPU, else the CPU."),
      field(R1WB_FIELD(train.threads), 0, 1024,
            "Torch intra-op threads; 0 uses every core. See blas_threads (measured in README)."),
      field(R1WB_FIELD(train.blas_threads), 0, 1024,
            "OpenBLAS threads inside each torch op; 0 keeps OpenBLAS's default (all cores). With both "
            "at all cores they oversubscribe: 2x slower on 2 cores."),
      field(R1WB_FIELD(train.checkpoint_every), 0, 1e9, "Steps between checkpoints; 0 writes one only at the end."),
      field(R1WB_FIELD(train.keep_checkpoints), 1, 1000, "Newest checkpoints kept on disk."),
      field(R1WB_FIELD(train.max_skipped_steps), 1, 1e9,
            "The run fails after this many consecutive skipped steps: a non-finite loss, gradient or "
            "update (undone), or an fp16 overflow (16 halvings take the scale from 2^16 to 1)."),

      field(R1WB_FIELD(curriculum.mode),
            "none: difficulties uniform in [min, max]; ramp: the top difficulty rises from min to max over "
            "the first ramp_fraction of steps; phases: the phase list by share of steps; loss_driven: the "
            "phase list, each phase left when the loss EMA falls below its loss_below. Each phase change "
            "is an event (snapshot curriculum/mix) with the new mix."),
      field(R1WB_FIELD(curriculum.ramp_fraction), 0.0, 1.0, "ramp: share of steps the ramp takes."),
      field(R1WB_FIELD(curriculum.loss_ema), 0.0, 0.9999, "loss_driven: EMA factor of the loss the thresholds see."),
      phases,

      field(R1WB_FIELD(telemetry.log_every), 1, 1e9, "Steps between metric records."),
      field(R1WB_FIELD(telemetry.expert_load_every), 1, 1e9, "Steps between expert-load snapshots."),
      field(R1WB_FIELD(telemetry.probe_every), 0, 1e9,
            "Steps between probes on probe_text: each token's experts per MoE layer and every layer's and "
            "head's attention weights and entropy (snapshots probe/*); 0 is off."),
      field(R1WB_FIELD(telemetry.probe_text), "The fixed text the probes run on (bytes; cut to model.max_seq_len)."),

      field(R1WB_FIELD(rl.group_size), 1, 4096,
            "G completions per prompt. train.batch_size x train.grad_accum completions per step, so "
            "that many / G prompts."),
      field(R1WB_FIELD(rl.temperature), 0.01, 10.0, "Sampling temperature; log-probs are of logits / T."),
      field(R1WB_FIELD(rl.top_k), 0, 1 << 20, "Sample from the k most likely tokens; 0: all."),
      field(R1WB_FIELD(rl.top_p), 0.0, 1.0, "Nucleus sampling; 1: all tokens."),
      field(R1WB_FIELD(rl.max_new_tokens), 1, 1 << 20, "Completion budget; a completion that reaches it is truncated."),
      field(R1WB_FIELD(rl.advantage),
            "grpo: (r - group mean) scaled as scale_rewards says; rloo: r minus the mean of the other G - 1; "
            "gae: PPO, per-token advantages from a value head on the policy (generalised advantage "
            "estimation, whitened over the batch), the KL to the reference a per-token reward."),
      field(R1WB_FIELD(rl.gamma), 0.0, 1.0, "gae: discount per token (1: the terminal reward undiscounted)."),
      field(R1WB_FIELD(rl.gae_lambda), 0.0, 1.0,
            "gae: lambda of generalised advantage estimation; 1 is R - V, 0 the one-step TD error."),
      field(R1WB_FIELD(rl.value_coef), 0.0, 100.0,
            "gae: weight of the value head's loss beside the policy's (the head shares the policy's trunk)."),
      field(R1WB_FIELD(rl.value_clip), 0.0, 100.0,
            "gae: the value is clipped to its value at sampling time +- this in its loss; 0: unclipped."),
      field(R1WB_FIELD(rl.value_lr), 1e-9, 10.0,
            "gae: the value head's learning rate, following train.lr's schedule (scaled by value_lr / train.lr); "
            "critics learn faster than the policy."),
      field(R1WB_FIELD(rl.scale_rewards),
            "grpo advantages divided by the group's reward std (DeepSeekMath), the batch's, or none "
            "(Dr. GRPO)."),
      field(R1WB_FIELD(rl.eps_low), 0.0, 10.0, "The ratio is clipped below at 1 - eps_low."),
      field(R1WB_FIELD(rl.eps_high), 0.0, 10.0,
            "The ratio is clipped above at 1 + eps_high (DAPO's clip-higher: 0.28)."),
      field(R1WB_FIELD(rl.beta), 0.0, 100.0, "Weight of the KL to the reference; 0 keeps no reference model."),
      field(R1WB_FIELD(rl.kl_estimator),
            "k1 = log(p/q); k2 = log(p/q)^2 / 2; k3 = q/p - log(q/p) - 1 (DeepSeekMath's), per token."),
      field(R1WB_FIELD(rl.ref_refresh_every), 0, 1e9,
            "Steps between copies of the policy into the reference (R1-Zero); 0: the parent stays the reference."),
      field(R1WB_FIELD(rl.loss_type),
            "grpo: mean over each completion's tokens, then over completions; bnpo: over the batch's tokens; "
            "dapo: over the global batch's tokens; dr_grpo: over completions x max_new_tokens."),
      field(R1WB_FIELD(rl.iterations), 1, 1024,
            "Optimizer steps on each batch of rollouts (mu); the ratio is to the log-probs at sampling time."),
      field(R1WB_FIELD(rl.ratio), "token: one ratio per token (GRPO); sequence: GSPO's geometric mean per completion."),
      field(R1WB_FIELD(rl.dynamic_sampling),
            "DAPO: groups whose completions are all right or all wrong are dropped and replaced by new "
            "prompts' groups (filtered on correctness, not on the shaped reward)."),
      field(R1WB_FIELD(rl.max_resample_rounds), 0, 1024,
            "Dynamic sampling: rounds of replacement groups per step; what is still flat then is kept."),
      field(R1WB_FIELD(rl.overlong_buffer), 0, 1 << 20,
            "DAPO's overlong shaping: over the last this many tokens of the budget the reward loses up to "
            "overlong_penalty, linearly; 0 is off."),
      field(R1WB_FIELD(rl.overlong_penalty), 0.0, 100.0, "The overlong penalty at the budget."),
      field(R1WB_FIELD(rl.mask_truncated), "DAPO: truncated completions take no part in the loss."),
      field(R1WB_FIELD(rl.rewards.accuracy), -100.0, 100.0,
            "Weight of the accuracy reward: 1 when the task's strict verifier accepts the answer."),
      field(R1WB_FIELD(rl.rewards.format), -100.0, 100.0,
            "Weight of the format reward: 1 for exactly <think>...</think><answer>...</answer>."),
      field(R1WB_FIELD(rl.rewards.charset), -100.0, 100.0,
            "Weight of the charset consistency reward (R1's language consistency): the share of the "
            "completion's characters in the task's alphabet."),
      field(R1WB_FIELD(rl.rewards.length), -100.0, 100.0,
            "Weight of the efficiency reward 1 - length / max_new_tokens."),
      field(R1WB_FIELD(rl.rewards.diversity), -100.0, 100.0,
            "Weight of the n-gram diversity reward: distinct 3-grams / 3-grams of the completion."),
      field(R1WB_FIELD(rl.eval_every), 0, 1e9,
            "Steps between held-out evaluations (eval/accuracy, eval/pass@k); 0: at the start and the end."),
      field(R1WB_FIELD(rl.eval_prompts), 1, 1 << 20, "Held-out prompts per evaluation (seeded, never trained on)."),
      field(R1WB_FIELD(rl.eval_k), 1, 1024, "Samples per held-out prompt: pass@k for this k, pass@1 from the same."),
      field(R1WB_FIELD(rl.rollouts_every), 0, 1e9,
            "Steps between rollout records (every prompt's group with its completions, per-token log-probs "
            "and entropy, reward components, advantage; the store's v_samples view), and the last step; 0: never."),
      field(R1WB_FIELD(quant.weights),
            "Quantization-aware training: the grid the block matrices (attention, dense and expert FFNs) are "
            "fake-quantized to in the forward pass, gradients passing straight through. int8: symmetric, one "
            "scale per output channel; int4: symmetric, one scale per quant.group_size inputs; q8_0 and q4_0: "
            "ggml's blocks of 32 as llama.cpp stores them (a q8_0/q4_0 GGUF export then rounds nothing again). "
            "Embeddings, head, norms and routers stay float."),
      field(R1WB_FIELD(quant.group_size), 8, 4096, "int4: inputs sharing one scale (32, 64 or 128 in torchao)."),
      field(R1WB_FIELD(quant.activations),
            "The matrices' inputs: int8 symmetric per token, dynamic (with int4 weights torchao's 8da4w); q8_0 "
            "in blocks of 32, as llama.cpp's CPU kernels quantize the input of a q8_0 or q4_0 matmul."),
      field(R1WB_FIELD(quant.start_step), 0, 1e9,
            "Fake quantization starts after this many steps (the float model trains first); 0: from the start."),
      field(R1WB_FIELD(quant.learned_steps),
            "int8 and int4 weights: learned step sizes (LSQ): each scale is a trained parameter, starting at "
            "max|w| / 127 or / 7 when fake quantization starts, instead of following max|w|. A quantized "
            "export stores the learned scales."),
      field(R1WB_FIELD(quant.experts), "Quantize the MoE experts' weights too (torchao's QAT leaves 3-D expert "
                                       "weights out, and most of an MoE's parameters are there)."),
      field(R1WB_FIELD(distill.teacher),
            "distill: the teacher's run directory. Any size, depth, experts or attention kind; its tokenizer "
            "must be the student's."),
      field(R1WB_FIELD(distill.teacher_step), -1, 1e12, "The teacher's checkpoint step; -1: its newest intact one."),
      field(R1WB_FIELD(distill.data),
            "What the student trains on: task (the task's own examples) or teacher_samples (R1's way: the "
            "teacher samples distill.samples_per_prompt completions of distill.prompts training prompts and the "
            "task's verifier keeps the correct ones; the set is kept in the run directory as "
            "distill/teacher_samples.jsonl and can be reused through distill.dataset)."),
      field(R1WB_FIELD(distill.loss),
            "ce: next-token cross-entropy on the data (SFT); forward_kl: KL(teacher || student) at "
            "distill.temperature, times T^2 (Hinton); reverse_kl: KL(student || teacher) (MiniLLM); jsd: the "
            "generalised Jensen-Shannon divergence with distill.beta (GKD). Taken on completion tokens."),
      field(R1WB_FIELD(distill.temperature), 0.05, 100, "T: both models' logits are divided by it in the divergence."),
      field(R1WB_FIELD(distill.beta), 0.0, 1.0, "jsd: 0 is forward KL, 1 reverse KL, between them the JSD of GKD."),
      field(R1WB_FIELD(distill.ce_weight), 0.0, 100,
            "Weight of the next-token cross-entropy on the data's tokens, added to a divergence loss."),
      field(R1WB_FIELD(distill.on_policy_fraction), 0.0, 1.0,
            "GKD's lambda: the share of steps whose batch is the student's own completions of training "
            "prompts (sampled at distill.sample_temperature), scored by the teacher."),
      field(R1WB_FIELD(distill.hidden_weight), 0.0, 100,
            "Weight of the mean squared error between the teacher's last hidden state and the student's, "
            "mapped to the teacher's width by a learned projection (TinyBERT); 0 is off."),
      field(R1WB_FIELD(distill.prompts), 1, 1e7, "teacher_samples: training prompts the teacher answers."),
      field(R1WB_FIELD(distill.samples_per_prompt), 1, 1024, "teacher_samples: completions sampled per prompt."),
      field(R1WB_FIELD(distill.sample_temperature), 0.0, 10,
            "Sampling temperature of the teacher's samples and the student's on-policy ones (0: greedy)."),
      field(R1WB_FIELD(distill.max_new_tokens), 1, 1 << 16, "Completion budget when sampling."),
      field(R1WB_FIELD(distill.dataset),
            "teacher_samples: an existing distill/teacher_samples.jsonl (another run's) to train on instead of "
            "sampling a new one; its task must be this run's.")};
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
    out << "| `" << f.path << "` | " << field_type_name(f.type) << " | `" << f.default_value.dump() << "` | " << allowed
        << " | " << f.description << " |\n";
  }
  return out.str();
}

std::string value_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return format_number(v.get<double>());
  return v.dump();
}

}  // namespace r1wb
