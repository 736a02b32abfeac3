// The experiment: a JSON document validated against the schema in config_schema.h.
// Parsing fills defaults, rejects unknown keys, and reports every error with the field
// path, the bad value and what was expected, so the GUI can mark the exact field.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace r1wb {

//! Attention. The sigmoid gate is a variant from write-ups about R1, not DeepSeek's papers.
struct AttentionConfig {
  std::string kind;              //!< "mha" (MHA or GQA) or "mla" (multi-head latent attention)
  int n_kv_heads = 0;            //!< mha: key/value heads; 0 = n_heads (MHA), fewer = GQA
  int sliding_window = 0;        //!< each query sees at most this many keys (itself included); 0 = all
  std::string scores;            //!< "softmax" or "sigmoid_gate"
  bool sigmoid_log_bias = false; //!< sigmoid_gate: add -log(seq_len) to the scores
  int kv_lora_rank = 0;          //!< mla: width of the compressed key/value latent
  int rope_head_dim = 0;         //!< mla: width of the decoupled RoPE key/query part
};

//! The MoE layer. DeepSeek-V3's router (arXiv 2412.19437 sec. 2.1.2) and the classic
//! softmax top-k with a batch-level auxiliary loss are both settings of the same fields.
struct MoeConfig {
  int num_experts = 0;             //!< routed experts per MoE layer
  int top_k = 0;                   //!< experts each token is sent to
  int expert_hidden = 0;           //!< SwiGLU hidden width of one expert
  int num_shared_experts = 0;      //!< always-on experts, output added unweighted
  std::string score_func;          //!< "softmax" or "sigmoid" affinity
  bool renormalize = true;         //!< gate weights of the chosen experts sum to 1
  double routed_scaling_factor = 1;  //!< gate weights are multiplied by it
  int n_groups = 1;                //!< expert groups for group-limited routing
  int topk_groups = 1;             //!< groups a token may route to
  double bias_update_speed = 0;    //!< gamma of aux-loss-free balancing; 0 is off
  double aux_loss_weight = 0;      //!< alpha of the batch-level load-balancing loss
  double seq_aux_loss_weight = 0;  //!< alpha of DeepSeek-V3's sequence-wise balance loss
  double z_loss_weight = 0;        //!< router z-loss weight
  double capacity_factor = 0;      //!< 0: dropless; else slots per expert = cf * tokens * k / E
  int dynamic_k_max = 0;           //!< variant: high-entropy tokens get this many experts; 0 is off
  double dynamic_entropy_threshold = 0.5;  //!< normalised router entropy above which a token is "hard"
  bool shared_input_proj = false;  //!< variant: experts share one up-projection
};

struct ModelConfig {
  std::string tokenizer;      //!< "byte" or "bpe" (SentencePiece, trained on the run's corpus)
  int vocab_size = 0;
  int d_model = 0;
  int n_layers = 0;
  int n_heads = 0;
  std::string ffn;            //!< "moe" or "dense"
  int first_k_dense = 0;      //!< with ffn "moe": the first k blocks use the dense SwiGLU
  int ffn_hidden = 0;         //!< dense SwiGLU hidden width
  int max_seq_len = 0;
  double rope_theta = 0;
  double norm_eps = 0;
  bool tie_embeddings = true;
  double mtp_weight = 0;      //!< multi-token prediction: weight lambda of the one MTP module's loss; 0 is off
  AttentionConfig attention;
  MoeConfig moe;
};

struct DataConfig {
  std::string task;           //!< "addition", "multiplication", "sorting", "countdown" or "text"
  std::string corpus;         //!< text: a file or a folder of files
  std::string packing;        //!< text: "pack", "bucket" or "pad"
  int min_difficulty = 0;     //!< digits per operand for arithmetic (see reasoning_tasks.h)
  int max_difficulty = 0;
  int seq_len = 0;
  int seed = 0;
};

struct TrainConfig {
  int steps = 0;
  int batch_size = 0;
  int grad_accum = 0;
  double lr = 0;
  double min_lr_ratio = 0;
  int warmup_steps = 0;
  std::string lr_schedule;    //!< "cosine", "cosine_restarts", "wsd" or "v3"
  int restart_period = 0;     //!< cosine_restarts: steps of the first cycle after warmup
  double restart_mult = 1;    //!< cosine_restarts: each cycle this many times longer
  double decay_fraction = 0;  //!< wsd: share of the steps in the final decay
  double v3_decay_start = 0, v3_decay_end = 0, v3_tail_step = 0, v3_tail_ratio = 0;  //!< v3 shape
  std::string optimizer;      //!< "adamw" or "lamb"
  double weight_decay = 0;
  double beta1 = 0, beta2 = 0, eps = 0;
  double grad_clip = 0;       //!< 0 disables clipping
  int recompute_layers = 0;   //!< activation checkpointing of the first N blocks; > n_layers adds MTP
  std::string precision;      //!< "fp32", "bf16" (autocast) or "fp16" (autocast + dynamic loss scaling)
  int seed = 0;
  std::string device;         //!< "auto", "cpu" or "cuda"
  int threads = 0;            //!< torch intra-op threads; 0: every core
  int blas_threads = 0;       //!< OpenBLAS threads; 0 leaves the library's choice
  int checkpoint_every = 0;   //!< 0: only at the end
  int keep_checkpoints = 0;
};

//! One curriculum phase: a mix of difficulties, until a share of the steps (phases mode) or
//! until the smoothed loss falls below a threshold (loss_driven mode).
struct CurriculumPhase {
  double until = 1;                          //!< phases: ends after this share of train.steps
  double loss_below = 0;                     //!< loss_driven: ends when the loss EMA falls below
  std::vector<std::pair<int, double>> mix;   //!< (difficulty, weight), weights need not sum to 1
};

struct CurriculumConfig {
  std::string mode;           //!< "none", "ramp", "phases" or "loss_driven"
  double ramp_fraction = 0;   //!< ramp: share of steps over which the top difficulty rises
  double loss_ema = 0;        //!< loss_driven: smoothing of the loss the thresholds compare with
  std::vector<CurriculumPhase> phases;
};

struct TelemetryConfig {
  int log_every = 0;
  int expert_load_every = 0;
  int probe_every = 0;     //!< steps between probes of routing and attention on probe_text; 0 is off
  std::string probe_text;  //!< the fixed text the probes run on
};

//! The resolved experiment: every field set, defaults filled in.
struct Experiment {
  std::string name;
  std::string description;
  ModelConfig model;
  DataConfig data;
  TrainConfig train;
  CurriculumConfig curriculum;
  TelemetryConfig telemetry;
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
