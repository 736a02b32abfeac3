// The experiment: a JSON document validated against the schema in config_schema.h.
// Parsing fills defaults, rejects unknown keys, and reports every error with the field
// path, the bad value and what was expected, so the GUI can mark the exact field. The rules
// that relate fields live per section in config_rules.h.
#pragma once
#include <nlohmann/json.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace r1wb {

// Enum-valued fields are C++ enums, parsed once from the document's text: a misspelt choice
// is a validation error with its path, never a silent default somewhere in the engine. Each
// enum's names, in declaration order, are its EnumNames (what the JSON holds).
template <class E>
struct EnumNames;
#define R1WB_ENUM_NAMES(E, ...)                            \
  template <>                                              \
  struct EnumNames<E> {                                    \
    static constexpr auto names = std::array{__VA_ARGS__}; \
  }

enum class TokenizerKind { Byte, Bpe };
enum class FfnKind { Moe, Dense };
enum class AttentionKind { Mha, Mla };
enum class AttentionScores { Softmax, SigmoidGate };
enum class ScoreFunc { Softmax, Sigmoid };
enum class Task { Addition, Multiplication, Sorting, Countdown, Text };
enum class Packing { Pack, Bucket, Pad };
enum class LrSchedule { Cosine, CosineRestarts, Wsd, V3 };
enum class OptimizerKind { AdamW, Lamb };
enum class Precision { Fp32, Bf16, Fp16 };
enum class DeviceChoice { Auto, Cpu, Cuda };
enum class CurriculumMode { None, Ramp, Phases, LossDriven };
enum class Stage { Pretrain, Sft, Rl, Distill };
enum class AdvantageKind { Grpo, Rloo, Gae };
enum class ScaleRewards { Group, Batch, None };
enum class KlEstimator { K1, K2, K3 };
enum class LossReduction { Grpo, Bnpo, Dapo, DrGrpo };
enum class RatioLevel { Token, Sequence };
enum class WeightQuant { None, Int8, Int4, Q8_0, Q4_0 };
enum class FfnPrune { None, Magnitude };
enum class ActivationQuant { None, Int8, Q8_0 };
enum class DistillData { Task, TeacherSamples };
enum class DistillLoss { Ce, ForwardKl, ReverseKl, Jsd };
R1WB_ENUM_NAMES(TokenizerKind, "byte", "bpe");
R1WB_ENUM_NAMES(FfnKind, "moe", "dense");
R1WB_ENUM_NAMES(AttentionKind, "mha", "mla");
R1WB_ENUM_NAMES(AttentionScores, "softmax", "sigmoid_gate");
R1WB_ENUM_NAMES(ScoreFunc, "softmax", "sigmoid");
R1WB_ENUM_NAMES(Task, "addition", "multiplication", "sorting", "countdown", "text");
R1WB_ENUM_NAMES(Packing, "pack", "bucket", "pad");
R1WB_ENUM_NAMES(LrSchedule, "cosine", "cosine_restarts", "wsd", "v3");
R1WB_ENUM_NAMES(OptimizerKind, "adamw", "lamb");
R1WB_ENUM_NAMES(Precision, "fp32", "bf16", "fp16");
R1WB_ENUM_NAMES(DeviceChoice, "auto", "cpu", "cuda");
R1WB_ENUM_NAMES(CurriculumMode, "none", "ramp", "phases", "loss_driven");
R1WB_ENUM_NAMES(Stage, "pretrain", "sft", "rl", "distill");
R1WB_ENUM_NAMES(AdvantageKind, "grpo", "rloo", "gae");
R1WB_ENUM_NAMES(ScaleRewards, "group", "batch", "none");
R1WB_ENUM_NAMES(KlEstimator, "k1", "k2", "k3");
R1WB_ENUM_NAMES(LossReduction, "grpo", "bnpo", "dapo", "dr_grpo");
R1WB_ENUM_NAMES(RatioLevel, "token", "sequence");
R1WB_ENUM_NAMES(WeightQuant, "none", "int8", "int4", "q8_0", "q4_0");
R1WB_ENUM_NAMES(FfnPrune, "none", "magnitude");
R1WB_ENUM_NAMES(ActivationQuant, "none", "int8", "q8_0");
R1WB_ENUM_NAMES(DistillData, "task", "teacher_samples");
R1WB_ENUM_NAMES(DistillLoss, "ce", "forward_kl", "reverse_kl", "jsd");

//! The JSON name of an enum value: name_of(ScoreFunc::Sigmoid) is "sigmoid".
template <class E>
const char* name_of(E e) {
  return EnumNames<E>::names[static_cast<size_t>(e)];
}
//! The value of a name, or nullopt when the name is not one of E's.
template <class E>
std::optional<E> parse_enum(std::string_view name) {
  for (size_t i = 0; i < EnumNames<E>::names.size(); ++i)
    if (name == EnumNames<E>::names[i]) return static_cast<E>(i);
  return std::nullopt;
}

// The structs' member initialisers are the defaults: the schema (config_schema.h) reads each
// field's default from a default-constructed Experiment, so the two cannot disagree.

//! Attention. The sigmoid gate is a variant from write-ups about R1, not DeepSeek's papers.
struct AttentionConfig {
  AttentionKind kind = AttentionKind::Mha;  //!< MHA (or GQA) or multi-head latent attention
  int n_kv_heads = 0;                       //!< mha: key/value heads; 0 = n_heads (MHA), fewer = GQA
  int sliding_window = 0;                   //!< each query sees at most this many keys (itself included); 0 = all
  AttentionScores scores = AttentionScores::Softmax;
  bool sigmoid_log_bias = false;  //!< sigmoid_gate: add -log(seq_len) to the scores
  int kv_lora_rank = 32;          //!< mla: width of the compressed key/value latent
  int rope_head_dim = 8;          //!< mla: width of the decoupled RoPE key/query part
};

//! The MoE layer. DeepSeek-V3's router (arXiv 2412.19437 sec. 2.1.2) and the classic
//! softmax top-k with a batch-level auxiliary loss are both settings of the same fields.
struct MoeConfig {
  int num_experts = 4;                        //!< routed experts per MoE layer
  int top_k = 2;                              //!< experts each token is sent to
  int expert_hidden = 128;                    //!< SwiGLU hidden width of one expert
  int num_shared_experts = 0;                 //!< always-on experts, output added unweighted
  ScoreFunc score_func = ScoreFunc::Softmax;  //!< softmax or sigmoid affinity
  bool renormalize = true;                    //!< gate weights of the chosen experts sum to 1
  double routed_scaling_factor = 1;           //!< gate weights are multiplied by it
  int n_groups = 1;                           //!< expert groups for group-limited routing
  int topk_groups = 1;                        //!< groups a token may route to
  double bias_update_speed = 0;               //!< gamma of aux-loss-free balancing; 0 is off
  double aux_loss_weight = 0.01;              //!< alpha of the batch-level load-balancing loss
  double seq_aux_loss_weight = 0;             //!< alpha of DeepSeek-V3's sequence-wise balance loss
  double z_loss_weight = 0;                   //!< router z-loss weight
  double capacity_factor = 0;                 //!< 0: dropless; else slots per expert = cf * tokens * k / E
  int dynamic_k_max = 0;                      //!< variant: high-entropy tokens get this many experts; 0 is off
  double dynamic_entropy_threshold = 0.5;     //!< normalised router entropy above which a token is "hard"
  bool shared_input_proj = false;             //!< variant: experts share one up-projection
};

struct ModelConfig {
  TokenizerKind tokenizer = TokenizerKind::Byte;  //!< byte-level, or SentencePiece BPE trained on the run's corpus
  int vocab_size = 256;
  int d_model = 64;
  int n_layers = 2;
  int n_heads = 4;
  FfnKind ffn = FfnKind::Moe;
  int first_k_dense = 0;  //!< with ffn moe: the first k blocks use the dense SwiGLU
  int ffn_hidden = 128;   //!< dense SwiGLU hidden width
  int max_seq_len = 128;
  double rope_theta = 10000;
  double norm_eps = 1e-5;
  bool tie_embeddings = true;
  double mtp_weight = 0;  //!< multi-token prediction: weight lambda of the one MTP module's loss; 0 is off
  AttentionConfig attention;
  MoeConfig moe;
  //! Key/value heads of the mha attention: n_kv_heads, or n_heads when that is 0.
  int kv_heads() const { return attention.n_kv_heads > 0 ? attention.n_kv_heads : n_heads; }
};

struct DataConfig {
  Task task = Task::Addition;       //!< a synthetic reasoning task, or text from the corpus
  std::string corpus;               //!< text: a file or a folder of files
  Packing packing = Packing::Pack;  //!< text: how documents become rows
  int min_difficulty = 1;           //!< digits per operand for arithmetic (see reasoning_tasks.h)
  int max_difficulty = 2;
  int seq_len = 64;
  int seed = 1234;
};

struct TrainConfig {
  int steps = 200;
  int batch_size = 32;
  int grad_accum = 1;
  double lr = 3e-3;
  double min_lr_ratio = 0.1;
  int warmup_steps = 20;
  LrSchedule lr_schedule = LrSchedule::Cosine;
  int restart_period = 100;     //!< cosine_restarts: steps of the first cycle after warmup
  double restart_mult = 2;      //!< cosine_restarts: each cycle this many times longer
  double decay_fraction = 0.2;  //!< wsd: share of the steps in the final decay
  double v3_decay_start = 0.676, v3_decay_end = 0.966, v3_tail_step = 0.9775, v3_tail_ratio = 0.0332;  //!< v3 shape
  OptimizerKind optimizer = OptimizerKind::AdamW;
  double weight_decay = 0.1;
  double beta1 = 0.9, beta2 = 0.95, eps = 1e-8;
  double grad_clip = 1;                   //!< 0 disables clipping
  int recompute_layers = 0;               //!< activation checkpointing of the first N blocks; > n_layers adds MTP
  Precision precision = Precision::Fp32;  //!< fp32, bf16 autocast, or fp16 autocast with dynamic loss scaling
  int seed = 0;
  DeviceChoice device = DeviceChoice::Auto;
  int threads = 0;            //!< torch intra-op threads; 0: every core
  int blas_threads = 1;       //!< OpenBLAS threads; 0 leaves the library's choice
  int checkpoint_every = 50;  //!< 0: only at the end
  int keep_checkpoints = 2;
  int max_skipped_steps = 50;  //!< consecutive skipped steps after which the run fails
};

//! One curriculum phase: a mix of difficulties, until a share of the steps (phases mode) or
//! until the smoothed loss falls below a threshold (loss_driven mode).
struct CurriculumPhase {
  double until = 1;                         //!< phases: ends after this share of train.steps
  double loss_below = 0;                    //!< loss_driven: ends when the loss EMA falls below
  std::vector<std::pair<int, double>> mix;  //!< (difficulty, weight), weights need not sum to 1
};

struct CurriculumConfig {
  CurriculumMode mode = CurriculumMode::None;
  double ramp_fraction = 0.5;  //!< ramp: share of steps over which the top difficulty rises
  double loss_ema = 0.9;       //!< loss_driven: smoothing of the loss the thresholds compare with
  //! Easy, mixed, hard over 0-20, 20-60 and 60-100 % of the steps.
  std::vector<CurriculumPhase> phases = {
      {0.2, 1.0, {{1, 1.0}}}, {0.6, 0.5, {{1, 0.5}, {2, 0.5}}}, {1.0, 0.0, {{2, 1.0}}}};
};

struct TelemetryConfig {
  int log_every = 10;
  int expert_load_every = 10;
  int probe_every = 50;  //!< steps between probes of routing and attention on probe_text; 0 is off
  std::string probe_text =
      "57+68=<think>7+8=15 c1;5+6+1=12 c1;</think><answer>125</answer>";  //!< what the probes run on
};

//! Where a stage after the first starts: a parent run's checkpoint (weights only; the
//! optimizer starts fresh). The run records it and the store keeps the lineage.
struct InitConfig {
  std::string run;    //!< the parent's run directory; empty: from scratch (pretrain only)
  int64_t step = -1;  //!< the parent's checkpoint; -1: its newest intact one
  //! magnitude: this run's FFN widths (model.ffn_hidden, model.moe.expert_hidden) may be
  //! narrower than the parent's, which keeps each FFN's neurons of largest weight magnitude
  //! (structured pruning; the run's training is the recovery).
  FfnPrune prune = FfnPrune::None;
};

//! The weight of each reward component (R = sum of weight x component); each is logged as
//! rewards/<name>/mean and std whatever its weight.
struct RewardWeights {
  double accuracy = 1;   //!< 1 when the task's strict verifier accepts the answer
  double format = 0;     //!< 1 for exactly <think>...</think><answer>...</answer>
  double charset = 0;    //!< share of completion characters from the task's alphabet
  double length = 0;     //!< 1 - length / max_new_tokens: shorter is better
  double diversity = 0;  //!< distinct 3-grams / 3-grams of the completion
};

//! Reinforcement learning with verifiable rewards (stage rl). The defaults are GRPO as
//! DeepSeekMath defines it; DAPO, Dr. GRPO, GSPO, RLOO and PPO (advantage gae: a value head
//! and generalised advantage estimation) are settings of the same fields.
struct RlConfig {
  int group_size = 8;       //!< G completions per prompt
  double temperature = 1;   //!< sampling temperature (the log-probs are of logits / T)
  int top_k = 0;            //!< 0: all tokens
  double top_p = 1;         //!< nucleus; 1: all tokens
  int max_new_tokens = 48;  //!< completion budget
  AdvantageKind advantage = AdvantageKind::Grpo;
  double gamma = 1;          //!< gae: discount per token
  double gae_lambda = 0.95;  //!< gae: the bias-variance trade of the advantage estimate
  double value_coef = 0.1;   //!< gae: weight of the value head's loss (TRL's vf_coef)
  double value_clip = 0.2;   //!< gae: the value is clipped to old +- this in its loss; 0: unclipped
  double value_lr = 1e-3;    //!< gae: the value head's learning rate (on train.lr's schedule)
  ScaleRewards scale_rewards = ScaleRewards::Group;
  double eps_low = 0.2, eps_high = 0.2;  //!< ratio clip 1 - eps_low .. 1 + eps_high (DAPO: 0.28 high)
  double beta = 0;                       //!< KL weight; 0: no reference model is kept
  KlEstimator kl_estimator = KlEstimator::K3;
  int ref_refresh_every = 0;  //!< steps between reference refreshes (R1-Zero); 0: never
  LossReduction loss_type = LossReduction::Grpo;
  int iterations = 1;                    //!< optimizer steps per batch of rollouts (old log-probs kept)
  RatioLevel ratio = RatioLevel::Token;  //!< sequence: GSPO's one ratio per completion
  bool dynamic_sampling = false;         //!< DAPO: replace groups whose correctness is all equal
  int max_resample_rounds = 3;           //!< dynamic sampling: rounds of replacements per step
  int overlong_buffer = 0;               //!< DAPO: tokens before the budget where a length penalty ramps in
  double overlong_penalty = 1;           //!< the penalty at the budget
  bool mask_truncated = false;           //!< DAPO: truncated completions add no loss
  RewardWeights rewards;
  int eval_every = 0;       //!< steps between held-out evaluations; 0: at the start and end only
  int eval_prompts = 64;    //!< held-out prompts per evaluation
  int eval_k = 4;           //!< samples per prompt for pass@k
  int rollouts_every = 10;  //!< steps between rollout records (every completion); 0: never
};

//! Quantization-aware training, in any stage: the matrices the blocks multiply with (attention,
//! dense and expert FFNs, shared experts; not the embedding, the head, norms or routers) and
//! optionally their inputs are fake-quantized in the forward pass, gradients passing straight
//! through (STE). The ggml grids (q8_0, q4_0) are llama.cpp's blocks of 32, so a model trained
//! against them exports to GGUF without a second rounding.
struct QuantConfig {
  WeightQuant weights = WeightQuant::None;  //!< int8 per output channel; int4 per group; q8_0 / q4_0 ggml blocks
  int group_size = 32;                      //!< int4: input values per scale
  ActivationQuant activations = ActivationQuant::None;  //!< int8 per token (dynamic); q8_0 as llama.cpp's kernels
  int start_step = 0;                       //!< fake quantization from the step after this one on
  bool experts = true;                      //!< the MoE experts' 3-D weights too (torchao's QAT leaves them out)
  bool learned_steps = false;               //!< int8 / int4: trainable scales (LSQ) instead of max|w| / hi
  bool any() const { return weights != WeightQuant::None || activations != ActivationQuant::None; }
};

//! Distillation (stage distill): a student (this run's model, from scratch or from init.run)
//! learns from a teacher run of any size with the same tokenizer. R1's way is data
//! teacher_samples with loss ce (the teacher's verified completions as SFT data); logit
//! distillation is a divergence to the teacher's next-token distributions on task data or on
//! those samples, and GKD mixes in the student's own samples (on_policy_fraction).
struct DistillConfig {
  std::string teacher;        //!< the teacher's run directory
  int64_t teacher_step = -1;  //!< its checkpoint; -1: its newest intact one
  DistillData data = DistillData::Task;
  DistillLoss loss = DistillLoss::ForwardKl;
  double temperature = 1;         //!< T of the divergences (both distributions at logits / T; loss x T^2)
  double beta = 0.5;              //!< jsd: 0 is forward KL, 1 reverse KL (GKD's generalised JSD)
  double ce_weight = 0;           //!< the next-token loss on the data's tokens, added to a divergence
  double on_policy_fraction = 0;  //!< GKD's lambda: share of steps trained on the student's own samples
  double hidden_weight = 0;       //!< match the teacher's last hidden state through a learned projection (TinyBERT)
  int prompts = 2048;             //!< teacher_samples: task prompts the teacher answers
  int samples_per_prompt = 4;     //!< teacher_samples: completions sampled per prompt
  double sample_temperature = 0.7;  //!< teacher's (and on-policy student's) sampling temperature
  int max_new_tokens = 64;          //!< completion budget when sampling
  std::string dataset;              //!< teacher_samples: reuse this file (another run's) instead of sampling
};

//! The resolved experiment: every field set, defaults filled in.
struct Experiment {
  std::string name = "experiment";
  std::string description;
  Stage stage = Stage::Pretrain;  //!< pretrain; sft (completion loss from a parent); rl
  InitConfig init;
  ModelConfig model;
  DataConfig data;
  TrainConfig train;
  CurriculumConfig curriculum;
  TelemetryConfig telemetry;
  RlConfig rl;
  QuantConfig quant;
  DistillConfig distill;
};

//! One validation problem: `path: message`, e.g. "model.moe.top_k: 5 exceeds ...".
struct ConfigError {
  std::string path;     //!< dotted field path; empty for document-level errors
  std::string message;  //!< names the bad value and what was expected
  std::string to_string() const;
};

struct ConfigResult {
  bool ok() const { return errors.empty(); }
  std::vector<ConfigError> errors;
  nlohmann::json resolved;  //!< the document with defaults filled in (valid only if ok())
  Experiment experiment;    //!< typed view of `resolved` (valid only if ok())
};

//! Parses and validates JSON text. Never throws for bad input.
ConfigResult parse_experiment(std::string_view json_text);

//! The MoE layers in the order the engine reports them (rows of moe/expert_load and
//! moe/expert_bias): "layer i" for blocks first_k_dense .. n_layers - 1, then "MTP" when the
//! multi-token-prediction block has experts. Empty for a dense model.
std::vector<std::string> moe_layer_names(const ModelConfig& model);
//! The JSON pointer of a dotted field path: "model.moe.top_k" -> /model/moe/top_k.
nlohmann::json::json_pointer config_pointer(const std::string& dotted_path);
//! The value at a dotted path of a document, or null when absent.
nlohmann::json value_at(const nlohmann::json& doc, const std::string& dotted_path);
//! Validates an already-parsed document.
ConfigResult validate_experiment(const nlohmann::json& doc);
//! Reads a file and validates it; a missing file is a document-level error.
ConfigResult load_experiment_file(const std::string& path);

}  // namespace r1wb
