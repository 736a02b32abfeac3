#include "core/config/config_rules.h"

#include "core/config/config_schema.h"
#include "core/tasks/reasoning_tasks.h"

#include <algorithm>
#include <string>

namespace r1wb {
namespace {

struct Errors {
  std::vector<ConfigError>& list;
  void add(std::string path, std::string message) { list.push_back({std::move(path), std::move(message)}); }
};

std::string num(int v) { return std::to_string(v); }

void check_moe(const ModelConfig& m, Errors& err) {
  const auto& moe = m.moe;
  if (moe.top_k > moe.num_experts)
    err.add("model.moe.top_k", num(moe.top_k) + " exceeds model.moe.num_experts (" + num(moe.num_experts) + ")");
  if (moe.num_experts % moe.n_groups != 0)
    err.add("model.moe.n_groups",
            num(moe.n_groups) + " does not divide model.moe.num_experts (" + num(moe.num_experts) + ")");
  else if (moe.topk_groups > moe.n_groups)
    err.add("model.moe.topk_groups", num(moe.topk_groups) + " exceeds model.moe.n_groups (" + num(moe.n_groups) + ")");
  else if (moe.top_k <= moe.num_experts && moe.top_k > moe.topk_groups * (moe.num_experts / moe.n_groups))
    err.add("model.moe.top_k", num(moe.top_k) + " exceeds the experts in model.moe.topk_groups groups (" +
                                   num(moe.topk_groups * (moe.num_experts / moe.n_groups)) + ")");
  if (moe.dynamic_k_max != 0 && (moe.dynamic_k_max <= moe.top_k || moe.dynamic_k_max > moe.num_experts))
    err.add("model.moe.dynamic_k_max", num(moe.dynamic_k_max) +
                                           " is not in (model.moe.top_k, model.moe.num_experts] = (" + num(moe.top_k) +
                                           ", " + num(moe.num_experts) + "] (or 0 for off)");
  if (moe.dynamic_k_max != 0 && moe.n_groups > 1)
    err.add(
        "model.moe.dynamic_k_max",
        "dynamic top-k cannot be combined with group-limited routing (model.moe.n_groups " + num(moe.n_groups) + ")");
}

// Runs and their directories are named after the experiment: a name must stay one plain
// folder name (no "..", no separators, no control characters).
void check_name(const Experiment& e, std::vector<ConfigError>& list) {
  Errors err{list};
  const std::string& n = e.name;
  const bool plain =
      !n.empty() && n.size() <= 64 && n[0] != '.' && n[0] != '-' && std::all_of(n.begin(), n.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               c == '.' || c == '+';
      });
  if (!plain)
    err.add("name", nlohmann::json(n).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                        " is not a plain name (expected 1 to 64 of A-Z a-z 0-9 . _ + -, not starting with . or -;"
                        " runs and their folders are named after it)");
}

void check_model(const Experiment& e, std::vector<ConfigError>& list) {
  Errors err{list};
  const auto& m = e.model;
  check_moe(m, err);
  const auto& a = m.attention;
  if (a.n_kv_heads > 0 && m.n_heads % a.n_kv_heads != 0)
    err.add("model.attention.n_kv_heads",
            num(a.n_kv_heads) + " does not divide model.n_heads (" + num(m.n_heads) + ")");
  if (a.kind == AttentionKind::Mla && a.rope_head_dim % 2 != 0)
    err.add("model.attention.rope_head_dim", num(a.rope_head_dim) + " is odd (expected an even width for RoPE)");
  if (m.first_k_dense > m.n_layers)
    err.add("model.first_k_dense", num(m.first_k_dense) + " exceeds model.n_layers (" + num(m.n_layers) + ")");
  if (m.d_model % m.n_heads != 0)
    err.add("model.n_heads", num(m.n_heads) + " does not divide model.d_model (" + num(m.d_model) + ")");
  else if ((m.d_model / m.n_heads) % 2 != 0)
    err.add("model.n_heads", num(m.n_heads) + " gives an odd head size " + num(m.d_model / m.n_heads) +
                                 " (expected an even head size for RoPE)");
}

void check_data(const Experiment& e, std::vector<ConfigError>& list) {
  Errors err{list};
  const auto& d = e.data;
  const bool text = d.task == Task::Text;
  const std::string task = name_of(d.task);
  if (text && d.corpus.empty())
    err.add("data.corpus", "empty (data.task \"text\" needs a text file or a folder of them)");
  if (d.min_difficulty > d.max_difficulty)
    err.add("data.min_difficulty",
            num(d.min_difficulty) + " exceeds data.max_difficulty (" + num(d.max_difficulty) + ")");
  const int top = text ? d.max_difficulty : max_task_difficulty(task);
  if (!text && d.max_difficulty > top)
    err.add("data.max_difficulty", num(d.max_difficulty) + " exceeds what " + task + " supports (" + num(top) + ")");
  if (d.seq_len > e.model.max_seq_len)
    err.add("data.seq_len", num(d.seq_len) + " exceeds model.max_seq_len (" + num(e.model.max_seq_len) + ")");
  if (!text && d.max_difficulty <= top) {
    const int need = max_example_tokens(task, d.max_difficulty);
    if (d.seq_len < need)
      err.add("data.seq_len", num(d.seq_len) + " is too short for " + task + " examples at difficulty " +
                                  num(d.max_difficulty) + " (expected at least " + num(need) + ")");
  }
}

void check_train(const Experiment& e, std::vector<ConfigError>& list) {
  Errors err{list};
  const auto& t = e.train;
  if (t.lr_schedule == LrSchedule::V3 && !(t.v3_decay_start <= t.v3_decay_end && t.v3_decay_end <= t.v3_tail_step))
    err.add("train.v3_decay_end", "expected train.v3_decay_start <= train.v3_decay_end <= train.v3_tail_step, got " +
                                      format_number(t.v3_decay_start) + ", " + format_number(t.v3_decay_end) + ", " +
                                      format_number(t.v3_tail_step));
  if (t.warmup_steps > t.steps)
    err.add("train.warmup_steps", num(t.warmup_steps) + " exceeds train.steps (" + num(t.steps) + ")");
}

void check_curriculum(const Experiment& e, std::vector<ConfigError>& list) {
  Errors err{list};
  const auto& c = e.curriculum;
  const auto& d = e.data;
  if (d.task == Task::Text && c.mode != CurriculumMode::None)
    err.add("curriculum.mode",
            "\"" + std::string(name_of(c.mode)) + "\" needs a synthetic task (a text corpus has no difficulty levels)");
  if (c.mode != CurriculumMode::Phases && c.mode != CurriculumMode::LossDriven) return;
  for (size_t i = 0; i < c.phases.size(); ++i)
    for (const auto& [level, weight] : c.phases[i].mix)
      if (level < d.min_difficulty || level > d.max_difficulty)
        err.add("curriculum.phases[" + std::to_string(i) + "].mix." + num(level),
                "difficulty " + num(level) + " is outside [data.min_difficulty, data.max_difficulty] = [" +
                    num(d.min_difficulty) + ", " + num(d.max_difficulty) + "]");
  if (c.mode == CurriculumMode::Phases && !c.phases.empty() && c.phases.back().until < 1.0)
    err.add(
        "curriculum.phases[" + std::to_string(c.phases.size() - 1) + "].until",
        format_number(c.phases.back().until) + " leaves steps without a phase (expected the last phase to end at 1)");
}

void check_stage(const Experiment& e, std::vector<ConfigError>& list) {
  Errors err{list};
  if (e.stage != Stage::Pretrain && e.stage != Stage::Distill && e.init.run.empty())
    err.add("init.run", "empty (stage \"" + std::string(name_of(e.stage)) +
                            "\" starts from a parent run: expected its run directory)");
  if (e.init.prune != FfnPrune::None && e.init.run.empty())
    err.add("init.prune", std::string(name_of(e.init.prune)) + " prunes a parent's FFNs, but init.run is empty "
                          "(expected the parent's run directory)");
}

void check_rl(const Experiment& e, std::vector<ConfigError>& list) {
  if (e.stage != Stage::Rl) return;
  Errors err{list};
  const auto& r = e.rl;
  const auto& t = e.train;
  if (e.data.task == Task::Text) {
    err.add("data.task", "\"text\" has no verifier (stage rl needs a synthetic task: its answers are checked)");
    return;
  }
  const int completions = t.batch_size * t.grad_accum;
  if (completions % r.group_size != 0)
    err.add("rl.group_size", num(r.group_size) +
                                 " does not divide the completions of a step, train.batch_size x "
                                 "train.grad_accum = " +
                                 num(completions));
  if (r.advantage == AdvantageKind::Rloo && r.group_size < 2)
    err.add("rl.group_size", num(r.group_size) + " leaves RLOO no other completions to average (expected >= 2)");
  if (r.advantage == AdvantageKind::Grpo && r.scale_rewards != ScaleRewards::None && r.group_size < 2)
    err.add("rl.group_size", num(r.group_size) +
                                 " has no reward spread to scale by (expected >= 2, or "
                                 "rl.scale_rewards \"none\")");
  const int prompt = max_prompt_tokens(name_of(e.data.task), e.data.max_difficulty);
  if (prompt + r.max_new_tokens > e.model.max_seq_len)
    err.add("rl.max_new_tokens", num(r.max_new_tokens) + " after the longest prompt (" + num(prompt) +
                                     " tokens) exceeds model.max_seq_len (" + num(e.model.max_seq_len) + ")");
  if (r.overlong_buffer > r.max_new_tokens)
    err.add("rl.overlong_buffer",
            num(r.overlong_buffer) + " exceeds rl.max_new_tokens (" + num(r.max_new_tokens) + ")");
  if (r.eps_low >= 1) err.add("rl.eps_low", format_number(r.eps_low) + " clips the ratio at or below 0 (expected < 1)");
}

//! The input widths of the matrices quantization-aware training touches.
std::vector<std::pair<std::string, int>> quantized_inputs(const ModelConfig& m) {
  std::vector<std::pair<std::string, int>> in = {{"model.d_model", m.d_model}};
  if (m.ffn == FfnKind::Dense || m.first_k_dense > 0) in.emplace_back("model.ffn_hidden", m.ffn_hidden);
  if (m.ffn == FfnKind::Moe) in.emplace_back("model.moe.expert_hidden", m.moe.expert_hidden);
  if (m.attention.kind == AttentionKind::Mla) in.emplace_back("model.attention.kv_lora_rank", m.attention.kv_lora_rank);
  return in;
}

void check_quant(const Experiment& e, std::vector<ConfigError>& list) {
  Errors err{list};
  const auto& q = e.quant;
  int block = 0;
  std::string grid;
  if (q.weights == WeightQuant::Int4) block = q.group_size, grid = "quant.group_size";
  if (q.weights == WeightQuant::Q8_0 || q.weights == WeightQuant::Q4_0) block = 32, grid = "quant.weights";
  for (const auto& [field, width] : quantized_inputs(e.model))
    if (block > 0 && width % block != 0)
      err.add(grid, std::string(grid == "quant.weights" ? name_of(q.weights) : num(q.group_size)) +
                        " needs rows in blocks of " + num(block) + ", but " + field + " is " + num(width));
  if (q.activations == ActivationQuant::Q8_0)
    for (const auto& [field, width] : quantized_inputs(e.model))
      if (width % 32 != 0)
        err.add("quant.activations", "q8_0 needs inputs in blocks of 32, but " + field + " is " + num(width));
  if (q.learned_steps && q.weights != WeightQuant::Int8 && q.weights != WeightQuant::Int4)
    err.add("quant.learned_steps", std::string("true with quant.weights ") + name_of(q.weights) +
                                       " (learned steps are built for int8 and int4 weights: a q8_0 / q4_0 GGUF "
                                       "export derives each block's scale from its values)");
  if (q.any() && q.start_step >= e.train.steps)
    err.add("quant.start_step", num(q.start_step) + " leaves no quantized step (train.steps is " +
                                    num(e.train.steps) + ")");
}

void check_distill(const Experiment& e, std::vector<ConfigError>& list) {
  if (e.stage != Stage::Distill) return;
  Errors err{list};
  const auto& d = e.distill;
  if (d.teacher.empty()) err.add("distill.teacher", "empty (stage \"distill\" learns from a teacher: expected its run directory)");
  const bool text = e.data.task == Task::Text;
  if (text && d.data == DistillData::TeacherSamples)
    err.add("distill.data", "\"teacher_samples\" needs a verifier, and data.task \"text\" has none (expected task)");
  if (text && d.on_policy_fraction > 0)
    err.add("distill.on_policy_fraction", format_number(d.on_policy_fraction) +
                                              " needs prompts to sample from, and data.task \"text\" has none (expected 0)");
  if (d.loss == DistillLoss::Ce && d.on_policy_fraction > 0)
    err.add("distill.on_policy_fraction", format_number(d.on_policy_fraction) +
                                              " trains on the student's own samples, which loss \"ce\" would only imitate "
                                              "(expected 0, or a divergence loss)");
  if (d.loss == DistillLoss::Ce && d.data == DistillData::Task && d.hidden_weight == 0)
    err.add("distill.loss", "\"ce\" on data \"task\" never reads the teacher (expected a divergence, data "
                            "\"teacher_samples\", or distill.hidden_weight > 0)");
  if (!d.dataset.empty() && d.data != DistillData::TeacherSamples)
    err.add("distill.dataset", "set, but distill.data is \"task\" (expected \"teacher_samples\" or no dataset)");
  if (!text && d.max_new_tokens + max_prompt_tokens(name_of(e.data.task), e.data.max_difficulty) > e.model.max_seq_len)
    err.add("distill.max_new_tokens", num(d.max_new_tokens) + " plus the longest prompt exceeds model.max_seq_len " +
                                          num(e.model.max_seq_len));
}

}  // namespace

const std::vector<SectionRules>& section_rules() {
  static const std::vector<SectionRules> rules = {
      {"name", check_name}, {"stage", check_stage},           {"model", check_model},
      {"data", check_data}, {"curriculum", check_curriculum}, {"train", check_train},
      {"rl", check_rl},     {"quant", check_quant},           {"distill", check_distill},
  };
  return rules;
}

}  // namespace r1wb
