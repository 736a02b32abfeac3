#include "gpu/train/trainer.h"

#include "core/config/config_schema.h"
#include "core/paths.h"
#include "core/wire/telemetry.h"
#include "gpu/data/curriculum.h"
#include "gpu/runtime/autocast_scope.h"
#include "gpu/runtime/device.h"
#include "gpu/runtime/host_allocator.h"
#include "gpu/runtime/peak_memory.h"
#include "gpu/runtime/threads.h"
#include "gpu/quant/fake_quant.h"
#include "gpu/quant/learned_steps.h"
#include "gpu/train/checkpoint.h"
#include "gpu/train/loss_scaler.h"
#include "gpu/train/memory_estimate.h"
#include "gpu/train/optimizer.h"
#include "gpu/train/parent_run.h"
#include "gpu/train/pretrain_objective.h"
#include "gpu/train/probes.h"
#include "gpu/train/step_telemetry.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

namespace r1wb::gpu {
namespace {

using Clock = std::chrono::steady_clock;

std::string format_eta(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const long s = std::lround(seconds);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  return buf;
}

// What a checkpoint keeps of the loop besides the model and the optimizer (trainer.json).
nlohmann::json loop_state(const LossScaler& scaler, const Curriculum& curriculum, int64_t tokens) {
  return {{"loss_scale", scaler.scale()},
          {"loss_scale_clean_steps", scaler.clean_steps()},
          {"curriculum", curriculum.state()},
          {"tokens", tokens}};
}

}  // namespace

Trainer::Trainer(const Experiment& experiment, std::string run_dir, EventSink& sink, std::string config_json,
                 std::unique_ptr<Objective> objective)
    : e_(experiment), run_dir_(std::move(run_dir)), sink_(sink), config_json_(std::move(config_json)),
      objective_(objective ? std::move(objective) : std::make_unique<PretrainObjective>()) {
  if (auto note = apply_thread_settings(e_.train.threads, e_.train.blas_threads); !note.empty())
    setup_warnings_.push_back(note);
  keep_freed_host_memory();
  device_ = training_device(e_.train.device);
  if (device_.is_cpu()) check_fits_in_host_memory(e_);  // before the model is allocated
  torch::manual_seed(e_.train.seed);
  model_ = TransformerLM(e_.model);  // initialised on the CPU so every device starts from the same weights
  attach_learned_steps(model_, e_.quant);  // before the optimizer is made and a checkpoint loads
  model_->set_recompute_layers(e_.train.recompute_layers);
  model_->to(device_);
}

Trainer::~Trainer() = default;

std::pair<std::unique_ptr<Tokenizer>, std::unique_ptr<TrainingData>> Trainer::open_data(RankGroup* ranks) {
  auto log = [this](const std::string& line) {
    sink_.log(wire::LogLevel::Info, line);
    sink_.flush();
  };
  auto open = [&] {
    auto tokenizer = open_run_tokenizer(e_, run_dir_, log);
    auto data = open_training_data(e_, *tokenizer, run_dir_, log);
    return std::make_pair(std::move(tokenizer), std::move(data));
  };
  if (!ranks) return open();
  // Rank 0 may train a tokenizer and tokenize a large corpus first: the others wait on a
  // store key (hours allowed), then every rank opens, and one collective tells all of them
  // whether any rank failed, so no rank is left alone in the first training collective.
  decltype(open()) opened;
  std::exception_ptr failed;
  auto try_open = [&] {
    try {
      opened = open();
    } catch (...) {
      failed = std::current_exception();
    }
  };
  if (ranks->rank() == 0) {
    try_open();
    ranks->announce("data_prepared", !failed);
  } else if (ranks->await("data_prepared", std::chrono::hours(24))) {
    try_open();
  } else {
    failed = std::make_exception_ptr(std::runtime_error("rank 0 could not prepare the data (its log says why)"));
  }
  if (ranks->any(bool(failed)) && !failed) throw std::runtime_error("another rank could not open the data");
  if (failed) std::rethrow_exception(failed);
  return opened;
}

void Trainer::quantize_for(int64_t step) {
  const bool on = e_.quant.any() && step > e_.quant.start_step;
  if (on == quantized_) return;
  quantized_ = on;
  if (on && e_.quant.learned_steps) start_learned_steps(model_, e_.quant);
  model_->set_matmul_hooks(on ? quant_hooks(model_, e_.quant) : MatmulHooks{}, e_.quant.experts);
  sink_.log(wire::LogLevel::Info, "quant: fake quantization from step " + std::to_string(step) + " (" +
                                      describe(e_.quant) + ")");
}

void Trainer::emit_curriculum_phase(int64_t step, int phase, const std::vector<double>& mix) {
  double total = 0;
  for (double w : mix) total += w;
  wire::Snapshot snap{step, telemetry::kCurriculumMix, 1, uint32_t(mix.size()), {}, {}};
  std::string text;
  for (size_t i = 0; i < mix.size(); ++i) {
    snap.data.push_back(float(mix[i] / total));
    if (mix[i] > 0)
      text += (text.empty() ? "" : ", ") + std::string("difficulty ") + std::to_string(e_.data.min_difficulty + i) +
              ": " + format_number(std::round(1000 * mix[i] / total) / 1000);
  }
  sink_.emit(std::move(snap));
  sink_.log(wire::LogLevel::Info,
            "curriculum: phase " + std::to_string(phase) + " from step " + std::to_string(step) + " (" + text + ")");
}

void Trainer::emit_snapshots(const StepStats& s, int64_t end, const Tokenizer& tokenizer, bool probe_now) {
  const auto& t = e_.telemetry;
  if (!s.expert_load.empty() && (s.step % t.expert_load_every == 0 || s.step == end)) {
    sink_.emit(StepTelemetry::expert_load(s));
    if (e_.model.moe.bias_update_speed > 0) sink_.emit(StepTelemetry::expert_bias(model_, s.step));
  }
  if (probe_now || (t.probe_every > 0 && (s.step % t.probe_every == 0 || s.step == end)))
    for (auto& snap : run_probes(model_, tokenizer, t.probe_text, s.step, device_)) sink_.emit(std::move(snap));
}

double Trainer::report_rank_drift(RankGroup& ranks, int64_t step, double grad_difference) {
  const double weights = ranks.max_difference(model_->parameters());
  sink_.emit(wire::Metrics{step,
                           wall_clock_seconds(),
                           {{telemetry::kDpMaxWeightDiff, weights}, {telemetry::kDpMaxGradDiff, grad_difference}}});
  sink_.log(wire::LogLevel::Info, "data parallel over " + std::to_string(ranks.world()) +
                                      " ranks: largest weight difference between ranks " + format_number(weights));
  return weights;
}

TrainResult Trainer::run(const TrainOptions& o) {
  const auto& t = e_.train;
  objective_->extend_model(model_, device_);
  auto optimizer = make_optimizer(model_, t, objective_->lr_scales());
  Curriculum curriculum(e_.curriculum, e_.data, t.steps);
  AutocastScope::check(t.precision, device_);
  LossScaler scaler(t.precision == Precision::Fp16);
  TrainResult result;
  int64_t step = 0, tokens = 0;  // tokens: train/tokens, real tokens of the global batches through this step
  std::vector<std::string> warnings = setup_warnings_;  // logged once the run has said it started
  std::string started_from;                             // a later stage's parent, logged the same way
  if (auto ckpt = load_newest_intact_checkpoint(run_dir_, *model_, *optimizer, device_,
                                                [&](const std::string& w) { warnings.push_back(w); })) {
    const auto& state = ckpt->state;
    if (scaler.enabled() && state.contains("loss_scale"))
      scaler.set_state(state["loss_scale"].get<double>(), state.value("loss_scale_clean_steps", 0));
    curriculum.restore(state.value("curriculum", nlohmann::json()));
    tokens = state.value("tokens", int64_t(0));
    step = result.resumed_from = ckpt->step;
  } else if (!e_.init.run.empty()) {  // a later stage's first start: the parent's weights
    const auto parent = start_from_parent(e_, run_dir_, model_, [&](const std::string& w) { warnings.push_back(w); });
    started_from = "started from " + parent.run_dir + " at step " + std::to_string(parent.step) + " (" +
                   name_of(e_.stage) + " stage; the optimizer starts fresh)";
  }
  sink_.emit(wire::RunStarted{host_name(), static_cast<uint32_t>(::getpid()), wire::kProtocolVersion,
                              result.resumed_from, t.steps, config_json_, sink_.writer().run_uid()});
  for (const auto& w : warnings) {
    std::fprintf(stderr, "warning: %s\n", w.c_str());
    sink_.log(wire::LogLevel::Warning, w);
  }
  if (result.resumed_from >= 0)
    sink_.log(wire::LogLevel::Info, "resumed from checkpoint at step " + std::to_string(step));
  if (!started_from.empty()) sink_.log(wire::LogLevel::Info, started_from);
  sink_.flush();

  RankGroup* ranks = o.ranks;
  const bool lead = !ranks || ranks->rank() == 0;  // only the lead rank writes checkpoints and prepares data
  auto [tokenizer, experiment_data] = open_data(ranks);
  quantize_for(step + 1);  // before the objective starts: RL's first evaluation sees what step 1 trains
  objective_->start({e_, model_, *tokenizer, device_, sink_, step, run_dir_});
  TrainingData* data = objective_->own_data();
  if (!data) data = experiment_data.get();
  reset_peak_host_memory();  // perf/peak_memory_mb is training's, not the data preparation's
  StepRunner runner(e_, model_, *optimizer, *objective_, scaler, device_, ranks,
                    [this](wire::LogLevel level, const std::string& line) { sink_.log(level, line); });
  StepTelemetry telemetry(e_);
  const int64_t end = o.stop_after_step > 0 ? std::min<int64_t>(o.stop_after_step, t.steps) : t.steps;
  const auto run_start = Clock::now();
  int64_t steps_run = 0, skipped_in_a_row = 0;
  model_->train();
  while (step < end) {
    ++step;
    quantize_for(step);
    const DifficultyMix mix = curriculum.mix_at(step);
    if (curriculum.changed()) emit_curriculum_phase(step, curriculum.phase(), mix);
    const StepStats s = runner.run(step, *data, mix, step == end);
    tokens += s.tokens;
    telemetry.add(s);
    ++steps_run;
    result.last_loss = s.loss;
    if (o.on_step) o.on_step(s);
    skipped_in_a_row = s.skipped ? skipped_in_a_row + 1 : 0;
    if (skipped_in_a_row >= t.max_skipped_steps)
      throw std::runtime_error(
          "step " + std::to_string(step) + ": " + std::to_string(skipped_in_a_row) +
          " steps in a row were skipped (non-finite loss, gradient or update, or fp16 overflow; "
          "train.max_skipped_steps is " +
          std::to_string(t.max_skipped_steps) +
          "): the run cannot make progress. Its checkpoints are as they were. Look for an eps of 0, "
          "a learning rate too high, or a damaged optimizer state");
    curriculum.observe_loss(s.loss);
    bool stopping = (o.preempt_requested && o.preempt_requested->load()) ||
                    (o.stop_requested && o.stop_requested->load());
    if (ranks) stopping = ranks->any(stopping);  // every rank stops at the same step
    if (step % e_.telemetry.log_every == 0 || step == end || stopping) {
      sink_.emit(telemetry.take(s, tokens, curriculum.phase(), scaler.enabled()));
      if (o.progress) {
        const double elapsed = std::chrono::duration<double>(Clock::now() - run_start).count();
        std::fprintf(stderr, "step %lld/%d  loss %.4f  lr %.2e  %.0f tok/s  ETA %s\n", (long long)step, t.steps, s.loss,
                     s.lr, telemetry.last_tokens_per_s(), format_eta(elapsed / steps_run * double(end - step)).c_str());
      }
    }
    const bool probe_now = o.probe_requested && o.probe_requested->exchange(false);
    emit_snapshots(s, end, *tokenizer, probe_now);
    objective_->after_step(s, end, sink_);
    const bool checkpoint_due =
        lead && ((t.checkpoint_every > 0 && step % t.checkpoint_every == 0) || step == end || stopping);
    if (checkpoint_due) {
      sink_.emit(wire::Checkpoint{
          step, save_checkpoint(run_dir_, step, *model_, *optimizer, loop_state(scaler, curriculum, tokens))});
      prune_checkpoints(run_dir_, t.keep_checkpoints);
    }
    sink_.flush(checkpoint_due);
    if (stopping) break;
  }
  if (ranks) result.max_weight_difference = report_rank_drift(*ranks, step, runner.last_grad_difference());
  const bool preempted = o.preempt_requested && o.preempt_requested->load();
  result.state = step >= t.steps ? RunStatus::Completed : preempted ? RunStatus::Preempted : RunStatus::Stopped;
  result.last_step = step;
  const double secs = std::chrono::duration<double>(Clock::now() - run_start).count();
  result.tokens_per_s = secs > 0 ? double(telemetry.tokens_seen()) / secs : 0;
  sink_.emit(wire::Status{
      step, status_name(result.state),
      result.state == RunStatus::Completed ? ""
      : preempted ? "checkpointed at step " + std::to_string(step) + " on Slurm's warning (SIGUSR1); requeued, it resumes there"
                  : "stopped at step " + std::to_string(step) + "; run again to resume"});
  sink_.flush(true);
  return result;
}

}  // namespace r1wb::gpu
