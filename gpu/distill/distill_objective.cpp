#include "gpu/distill/distill_objective.h"

#include "core/paths.h"
#include "core/wire/telemetry.h"
#include "gpu/distill/divergence.h"
#include "gpu/distill/teacher_samples.h"
#include "gpu/runtime/threads.h"
#include "gpu/sample/sampler.h"
#include "gpu/train/lm_loss.h"
#include "gpu/train/parent_run.h"
#include "gpu/train/step_runner.h"

#include <cstdio>
#include <deque>
#include <filesystem>
#include <random>

namespace r1wb::gpu {
namespace tm = telemetry;
namespace fs = std::filesystem;

//! GKD's mixture: on a share of steps (distill.on_policy_fraction, drawn per step from
//! data.seed) the batch is the student's own completions of training prompts, packed as task
//! examples are; on the others the base source's batch.
class OnPolicyMix : public TrainingData {
 public:
  OnPolicyMix(const Experiment& e, TrainingData& base, TransformerLM student, const Tokenizer& tokenizer)
      : TrainingData(e.data), e_(e), base_(base), student_(std::move(student)), tokenizer_(tokenizer) {}

  Batch batch(int64_t step, int micro, const DifficultyMix& mix) override {
    std::seed_seq step_seed{uint64_t(data_.seed), uint64_t(step), uint64_t(0x4f4e504c)};
    std::mt19937_64 step_rng(step_seed);
    on_policy_ = std::uniform_real_distribution<double>(0, 1)(step_rng) < e_.distill.on_policy_fraction;
    if (!on_policy_) return base_.batch(step, micro, mix);
    std::seed_seq seed{uint64_t(data_.seed), uint64_t(step), uint64_t(micro), uint64_t(0x53545544)};
    std::mt19937_64 rng(seed);
    std::discrete_distribution<int> level(mix.begin(), mix.end());
    SamplingOptions s;
    s.temperature = e_.distill.sample_temperature;
    s.max_new_tokens = e_.distill.max_new_tokens;
    std::deque<TaskExample> pool;
    const std::string task = name_of(data_.task);
    auto next = [&] {
      if (pool.empty()) {  // one sampling call per batch_size prompts
        std::vector<std::string> prompts;
        for (int i = 0; i < e_.train.batch_size; ++i)
          prompts.push_back(make_example(task, data_.min_difficulty + level(rng), rng, Split::Train).prompt);
        s.seed = rng();
        const auto groups = sample_groups(student_, tokenizer_, prompts, 1, s);
        for (size_t i = 0; i < prompts.size(); ++i)
          pool.push_back({prompts[i], groups[i][0].text + (groups[i][0].truncated ? "" : "\n")});
      }
      auto ex = std::move(pool.front());
      pool.pop_front();
      return ex;
    };
    return pack_examples(tokenizer_, e_.train.batch_size, data_.seq_len, next);
  }
  bool on_policy() const { return on_policy_; }

 private:
  const Experiment& e_;
  TrainingData& base_;
  TransformerLM student_;
  const Tokenizer& tokenizer_;
  bool on_policy_ = false;
};

int64_t parameters(TransformerLM& m) {
  int64_t n = 0;
  for (const auto& p : m->parameters()) n += p.numel();
  return n;
}

DistillObjective::DistillObjective(const Experiment& e, const std::string& run_dir)
    : e_(e), run_dir_(run_dir), eval_(eval_options(e)) {
  const auto& teacher = e_.distill.teacher;
  const auto config = (fs::path(teacher) / "config.json").string();
  if (!fs::exists(config))
    throw std::runtime_error("distill.teacher: " + teacher + " is not a run directory (" + config + " is missing)");
  auto r = load_experiment_file(config);
  if (!r.ok())
    throw std::runtime_error("distill.teacher: " + config + ": " +
                             (r.errors.empty() ? "invalid" : r.errors.front().to_string()));
  teacher_config_ = r.experiment;
  if (e_.model.tokenizer == TokenizerKind::Bpe && teacher_config_.model.tokenizer == TokenizerKind::Bpe)
    adopt_bpe_tokenizer(teacher, run_dir_, "distill.teacher");
}

DistillObjective::~DistillObjective() = default;

void DistillObjective::extend_model(TransformerLM& model, torch::Device device) {
  if (e_.distill.hidden_weight <= 0) return;
  projection_ = torch::nn::Linear(torch::nn::LinearOptions(e_.model.d_model, teacher_config_.model.d_model).bias(false));
  projection_->to(device);
  model->register_module("distill_projection", projection_);
}

void DistillObjective::check_tokenizers(const Tokenizer& student) const {
  const auto& tc = teacher_config_.model;
  const auto& t = *teacher_.tokenizer;
  if (tc.tokenizer != e_.model.tokenizer || t.fingerprint() != student.fingerprint() ||
      t.vocab_size() != student.vocab_size() || tc.vocab_size != e_.model.vocab_size)
    throw std::runtime_error(
        "distill.teacher: the teacher " + e_.distill.teacher + " tokenizes with " + name_of(tc.tokenizer) +
        " (vocabulary " + std::to_string(t.vocab_size()) + ", model.vocab_size " + std::to_string(tc.vocab_size) +
        ", fingerprint " + std::to_string(t.fingerprint()) + ") and this run " + run_dir_ + " with " +
        name_of(e_.model.tokenizer) + " (vocabulary " + std::to_string(student.vocab_size()) + ", model.vocab_size " +
        std::to_string(e_.model.vocab_size) + ", fingerprint " + std::to_string(student.fingerprint()) +
        "): distillation compares next-token distributions, so both must use the same tokenizer");
  if (teacher_config_.model.max_seq_len < e_.data.seq_len)
    throw std::runtime_error("distill.teacher: the teacher " + e_.distill.teacher + " reads at most " +
                             std::to_string(teacher_config_.model.max_seq_len) +
                             " tokens (its model.max_seq_len), but data.seq_len is " +
                             std::to_string(e_.data.seq_len));
}

void DistillObjective::start(const ObjectiveContext& c) {
  const auto& d = e_.distill;
  auto warn = [&](const std::string& w) { c.sink.log(wire::LogLevel::Warning, "distill.teacher: " + w); };
  teacher_ = open_trained_model(d.teacher, d.teacher_step >= 0 ? std::optional<int64_t>(d.teacher_step) : std::nullopt,
                                warn);
  apply_thread_settings(e_.train.threads, e_.train.blas_threads);  // the teacher's config set its own
  teacher_.model->to(c.device);
  check_tokenizers(c.tokenizer);
  student_ = c.model;
  tokenizer_ = &c.tokenizer;
  c.sink.log(wire::LogLevel::Info, "distill: teacher " + d.teacher + " at step " + std::to_string(teacher_.step) +
                                       " (" + std::to_string(parameters(teacher_.model)) +
                                       " parameters), loss " + name_of(d.loss) + ", data " + name_of(d.data));
  if (d.data == DistillData::TeacherSamples) open_teacher_samples(c);
  if (d.on_policy_fraction > 0) {
    if (!samples_data_) samples_data_ = std::make_unique<SyntheticData>(e_.data, e_.train.batch_size, c.tokenizer);
    mix_ = std::make_unique<OnPolicyMix>(e_, *samples_data_, student_, c.tokenizer);
  }
  if (c.resumed_at == 0) run_eval(0, c.sink, true);
}

void DistillObjective::open_teacher_samples(const ObjectiveContext& c) {
  const auto& d = e_.distill;
  const std::string own = teacher_samples_path(run_dir_);
  ExampleSet set;
  if (!d.dataset.empty()) {
    set = read_teacher_samples(d.dataset, e_);
    c.sink.log(wire::LogLevel::Info, "distill: training on " + d.dataset + " (" + std::to_string(set.examples.size()) +
                                         " verified teacher completions)");
  } else if (fs::exists(own)) {  // a resumed run trains on the set it made
    set = read_teacher_samples(own, e_);
    c.sink.log(wire::LogLevel::Info, "distill: training on " + own + " (" + std::to_string(set.examples.size()) +
                                         " verified teacher completions, made before)");
  } else {
    nlohmann::json source{{"teacher", d.teacher}, {"teacher_step", teacher_.step}};
    set = sample_teacher(teacher_.model, *teacher_.tokenizer, e_, source, [&](const SampleProgress& p) {
      const double rate = p.seconds / p.prompts_done;
      char line[256];
      std::snprintf(line, sizeof line,
                    "distill: teacher answered %d/%d prompts, kept %lld of %lld samples (%.1f %%), ETA %.0f s",
                    p.prompts_done, p.prompts, (long long)p.kept, (long long)p.sampled,
                    p.sampled ? 100.0 * double(p.kept) / double(p.sampled) : 0.0, rate * (p.prompts - p.prompts_done));
      c.sink.log(wire::LogLevel::Info, line);
      std::fprintf(stderr, "%s\n", line);
      c.sink.flush();
    });
    const auto sampled = set.source.value("sampled", int64_t(0));
    const double kept = sampled ? double(set.examples.size()) / double(sampled) : 0.0;
    c.sink.emit(wire::Metrics{0, wall_clock_seconds(), {{tm::kDistillKeptFraction, kept}}});
    if (set.examples.empty())
      throw std::runtime_error("distill: the teacher " + d.teacher + " solved none of " + std::to_string(d.prompts) +
                               " training prompts, so there is nothing to train on");
    fs::create_directories(fs::path(own).parent_path());
    write_example_set(own, set);
    set = read_teacher_samples(own, e_);  // what the run trains on is what the file holds
    c.sink.log(wire::LogLevel::Info, "distill: kept set written to " + own);
  }
  samples_ = std::move(set.examples);
  samples_data_ = std::make_unique<SyntheticData>(
      e_.data, e_.train.batch_size, c.tokenizer, [this](int, std::mt19937_64& rng) {
        return samples_[std::uniform_int_distribution<size_t>(0, samples_.size() - 1)(rng)];
      });
}

TrainingData* DistillObjective::own_data() {
  if (mix_) return mix_.get();
  return samples_data_.get();
}

MicroBatchResult DistillObjective::micro_batch(TransformerLM& model, const Batch& b, const LossNorm& norm) {
  const auto& d = e_.distill;
  MicroBatchLoss mb = micro_batch_loss(model, b, norm);  // CE, MTP and balance losses
  const double tokens = norm.tokens > 0 ? norm.tokens : std::max(1.0, b.mask.sum().item<double>());
  LMOutput t;
  {
    torch::NoGradGuard no_grad;
    t = teacher_.model->forward(b.input);
  }
  MicroBatchResult r;
  torch::Tensor loss = mb.loss, objective = mb.lm_loss;
  if (d.loss != DistillLoss::Ce) {
    const auto div = (token_divergence(mb.out.logits, t.logits, d.loss, d.temperature, d.beta) * b.mask).sum() / tokens;
    loss = loss + div - (1 - d.ce_weight) * mb.lm_loss;
    objective = div + d.ce_weight * mb.lm_loss;
    r.values.emplace_back(tm::kLoss, objective.item<double>());
    r.values.emplace_back(tm::kDistillDivergence, div.item<double>());
  } else {
    r.values.emplace_back(tm::kLoss, objective.item<double>());
  }
  r.values.emplace_back(tm::kDistillCe, mb.lm_loss.item<double>());
  if (projection_) {
    const auto hs = projection_(model->norm(mb.out.hidden).to(torch::kFloat32));
    const auto ht = teacher_.model->norm(t.hidden).to(torch::kFloat32);
    const auto hidden = ((hs - ht).pow(2).mean(-1) * b.mask).sum() / tokens;
    loss = loss + d.hidden_weight * hidden;
    r.values.emplace_back(tm::kDistillHidden, hidden.item<double>());
  }
  if (mix_) r.values.emplace_back(tm::kDistillOnPolicy, norm.router_share * (mix_->on_policy() ? 1.0 : 0.0));
  if (!mb.out.moe.empty()) r.values.emplace_back(tm::kAuxLoss, norm.router_share * mb.out.aux_loss.item<double>());
  if (mb.mtp_loss.defined()) r.values.emplace_back(tm::kMtpLoss, mb.mtp_loss.item<double>());
  r.loss = loss;
  r.moe = std::move(mb.out.moe);
  return r;
}

void DistillObjective::after_step(const StepStats& s, int64_t end, EventSink& sink) {
  if ((e_.rl.eval_every > 0 && s.step % e_.rl.eval_every == 0) || s.step == end) run_eval(s.step, sink, false);
}

void DistillObjective::run_eval(int64_t step, EventSink& sink, bool with_teacher) {
  if (e_.data.task == Task::Text) {  // no prompts to answer: held-out text is `r1wb-run perplexity`'s
    if (with_teacher)
      sink.log(wire::LogLevel::Info, "distill: data.task \"text\" has no task to evaluate; measure held-out text "
                                     "with r1wb-run perplexity RUN_DIR --corpus DIR");
    return;
  }
  auto report = [&](const char* who, const EvalResult& r) {
    char line[256];
    std::snprintf(line, sizeof line,
                  "eval of the %s at step %lld: accuracy %.3f, pass@%d %.3f, held-out loss %.4f (%d prompts, %.1f s)",
                  who, (long long)step, r.accuracy, r.k, r.pass_at_k, r.loss, r.prompts, r.seconds);
    sink.log(wire::LogLevel::Info, line);
    std::fprintf(stderr, "%s\n", line);
  };
  if (with_teacher) {
    const auto t = evaluate(teacher_.model, *teacher_.tokenizer, eval_);
    sink.emit(wire::Metrics{
        step, wall_clock_seconds(), {{tm::kDistillTeacherAccuracy, t.accuracy}, {tm::kDistillTeacherLoss, t.loss}}});
    report("teacher", t);
  }
  const auto r = evaluate(student_, *tokenizer_, eval_);
  sink.emit(wire::Metrics{step, wall_clock_seconds(), eval_metrics(r)});
  report("student", r);
  sink.flush();
}

}  // namespace r1wb::gpu
