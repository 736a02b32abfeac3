#include "gpu/train/trainer.h"

#include "core/config/config_schema.h"
#include "core/paths.h"
#include "gpu/runtime/autocast_scope.h"
#include "gpu/train/checkpoint.h"
#include "gpu/data/curriculum.h"
#include "gpu/runtime/device.h"
#include "gpu/runtime/device_timer.h"
#include "gpu/runtime/peak_memory.h"
#include "gpu/train/probes.h"
#include "gpu/runtime/host_allocator.h"
#include "gpu/train/lm_loss.h"
#include "gpu/train/loss_scaler.h"
#include "gpu/train/lr_schedule.h"
#include "gpu/train/optimizer.h"
#include "gpu/runtime/threads.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

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

}  // namespace

std::pair<std::unique_ptr<Tokenizer>, std::unique_ptr<TrainingData>> Trainer::open_data(DataParallel* dp) {
  auto log = [this](const std::string& line) {
    sink_.log(wire::LogLevel::Info, line);
    sink_.flush();
  };
  auto open = [&] {
    auto tokenizer = open_run_tokenizer(e_, run_dir_, log);
    auto data = open_training_data(e_, *tokenizer, run_dir_, log);
    return std::make_pair(std::move(tokenizer), std::move(data));
  };
  if (!dp) return open();
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
  if (dp->rank() == 0) {
    try_open();
    dp->announce("data_prepared", !failed);
  } else if (dp->await("data_prepared", std::chrono::hours(24))) {
    try_open();
  } else {
    failed = std::make_exception_ptr(std::runtime_error("rank 0 could not prepare the data (its log says why)"));
  }
  if (dp->any(bool(failed)) && !failed) throw std::runtime_error("another rank could not open the data");
  if (failed) std::rethrow_exception(failed);
  return opened;
}

wire::Snapshot Trainer::bias_snapshot(int64_t step) {
  wire::Snapshot snap{step, "moe/expert_bias", 0, uint32_t(e_.model.moe.num_experts), {}};
  for (auto& m : *model_->blocks)
    if (auto moe = m->as<Block>()->moe) {
      auto b = moe->expert_bias.to(torch::kCPU, torch::kFloat32).contiguous();
      snap.data.insert(snap.data.end(), b.data_ptr<float>(), b.data_ptr<float>() + b.numel());
      ++snap.rows;
    }
  return snap;
}

void Trainer::emit_curriculum_phase(int64_t step, int phase, const std::vector<double>& mix) {
  double total = 0;
  for (double w : mix) total += w;
  wire::Snapshot snap{step, "curriculum/mix", 1, uint32_t(mix.size()), {}};
  std::string text;
  for (size_t i = 0; i < mix.size(); ++i) {
    snap.data.push_back(float(mix[i] / total));
    if (mix[i] > 0)
      text += (text.empty() ? "" : ", ") + std::string("difficulty ") + std::to_string(e_.data.min_difficulty + i) +
              ": " + format_number(std::round(1000 * mix[i] / total) / 1000);
  }
  sink_.emit(std::move(snap));
  sink_.log(wire::LogLevel::Info, "curriculum: phase " + std::to_string(phase) + " from step " + std::to_string(step) +
                                      " (" + text + ")");
}

void Trainer::sync_ranks(DataParallel& dp, StepStats& s, std::vector<torch::Tensor>& loads,
                         std::vector<torch::Tensor>& entropy, std::vector<torch::Tensor>& dropped, bool last_step) {
  std::vector<torch::Tensor> grads;
  for (auto& p : model_->parameters()) {
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    grads.push_back(p.grad());
  }
  dp.sum(grads);  // losses were normalised globally: the sum is the global batch's gradient
  if (last_step) last_grad_difference_ = dp.max_difference(grads);
  auto counts = model_->pending_expert_counts();
  dp.sum(counts);  // the bias update sees the whole batch's loads
  auto scalars = torch::tensor({s.loss, s.aux_loss, s.mtp_loss}, torch::kFloat64);
  std::vector<torch::Tensor> stats{scalars};
  for (auto* group : {&loads, &entropy, &dropped})
    for (auto& x : *group) stats.push_back(x.to(torch::kFloat32) / double(dp.world()));
  dp.sum(stats);
  s.loss = stats[0][0].item<double>(), s.aux_loss = stats[0][1].item<double>(), s.mtp_loss = stats[0][2].item<double>();
  size_t i = 1;
  for (auto* group : {&loads, &entropy, &dropped})
    for (auto& x : *group) x = stats[i++];
}

Trainer::Trainer(const Experiment& experiment, std::string run_dir, EventSink& sink, std::string config_json)
    : e_(experiment), run_dir_(std::move(run_dir)), sink_(sink), config_json_(std::move(config_json)) {
  apply_thread_settings(e_.train.threads, e_.train.blas_threads);
  keep_freed_host_memory();
  device_ = training_device(e_.train.device);
  torch::manual_seed(e_.train.seed);
  model_ = TransformerLM(e_.model);  // initialised on the CPU so every device starts from the same weights
  model_->set_recompute_layers(e_.train.recompute_layers);
  model_->to(device_);
}

TrainResult Trainer::run(const TrainOptions& o) {
  const auto& t = e_.train;
  auto optimizer_ptr = make_optimizer(model_, t);
  auto& optimizer = *optimizer_ptr;
  Curriculum curriculum(e_.curriculum, e_.data, t.steps);

  AutocastScope::check(t.precision, device_);
  LossScaler scaler(t.precision == "fp16");
  TrainResult result;
  int64_t step = 0;
  int64_t total_tokens = 0;  // train/tokens: real tokens of the global batches through this step
  if (auto ckpt = newest_checkpoint(run_dir_)) {
    auto state = load_checkpoint(run_dir_, *ckpt, *model_, optimizer, device_);
    if (scaler.enabled() && state.contains("loss_scale"))
      scaler.set_state(state["loss_scale"].get<double>(), state.value("loss_scale_clean_steps", 0));
    curriculum.restore(state.value("curriculum", nlohmann::json()));
    total_tokens = state.value("tokens", int64_t(0));
    step = *ckpt;
    result.resumed_from = step;
  }
  sink_.emit(wire::RunStarted{host_name(), static_cast<uint32_t>(::getpid()), wire::kProtocolVersion,
                              result.resumed_from, t.steps, config_json_});
  if (result.resumed_from >= 0)
    sink_.log(wire::LogLevel::Info, "resumed from checkpoint at step " + std::to_string(step));
  sink_.flush();

  DataParallel* dp = o.data_parallel;
  const bool lead = !dp || dp->rank() == 0;  // only the lead rank writes checkpoints and prepares data
  auto [tokenizer, data] = open_data(dp);
  reset_peak_host_memory();  // perf/peak_memory_mb is training's, not the data preparation's
  if (dp) model_->set_count_reducer([dp](torch::Tensor& counts) { dp->sum({counts}); });
  struct ClearReducer {  // the reducer points at dp, which the caller owns: gone after run()
    TransformerLM& model;
    ~ClearReducer() { model->set_count_reducer({}); }
  } clear_reducer{model_};

  const int64_t end = o.stop_after_step > 0 ? std::min<int64_t>(o.stop_after_step, t.steps) : t.steps;
  auto params = model_->parameters();
  const auto run_start = Clock::now();
  auto window_start = run_start;
  int64_t window_steps = 0, steps_run = 0, run_tokens = 0;
  struct {
    double forward_ms = 0, backward_ms = 0, optimizer_ms = 0;
    int64_t tokens = 0, padding = 0;  // of the global batch
  } window;  // summed over the log window
  if (dp && t.batch_size % dp->world() != 0)
    throw std::runtime_error("train.batch_size: " + std::to_string(t.batch_size) + " does not divide among " +
                             std::to_string(dp->world()) + " data-parallel ranks");
  model_->train();
  while (step < end) {
    ++step;
    StepStats s;
    s.step = step;
    s.lr = learning_rate(t, step);
    optimizer.zero_grad();
    const DifficultyMix mix = curriculum.mix_at(step);
    if (curriculum.changed()) emit_curriculum_phase(step, curriculum.phase(), mix);
    std::vector<torch::Tensor> loads, entropy, dropped;  // per MoE layer, mean over micro-batches
    for (int micro = 0; micro < t.grad_accum; ++micro) {
      Batch b = data->batch(step, micro, mix);
      window.tokens += b.input.numel() - b.padding;
      total_tokens += b.input.numel() - b.padding;
      window.padding += b.padding;
      LossNorm norm;
      if (dp) {  // this rank's rows of the global batch, normalised as the global batch
        const int64_t rows = t.batch_size / dp->world(), first = rows * dp->rank();
        norm.tokens = b.mask.sum().item<double>();
        norm.mtp_tokens = b.mask.narrow(1, 1, b.mask.size(1) - 1).sum().item<double>();
        norm.router_share = 1.0 / dp->world();
        b = {b.input.narrow(0, first, rows), b.target.narrow(0, first, rows), b.mask.narrow(0, first, rows)};
      }
      b.input = b.input.to(device_);
      b.target = b.target.to(device_);
      b.mask = b.mask.to(device_);
      MicroBatchLoss mb;
      window.forward_ms += timed_ms(device_, [&] {
        AutocastScope autocast(t.precision, device_);
        mb = micro_batch_loss(model_, b, norm);
      });
      const auto& out = mb.out;
      window.backward_ms += timed_ms(device_, [&] { scaler.scale_loss(mb.loss / double(t.grad_accum)).backward(); });
      s.loss += mb.lm_loss.item<double>() / t.grad_accum;
      s.aux_loss += norm.router_share * out.aux_loss.item<double>() / t.grad_accum;
      if (mb.mtp_loss.defined()) s.mtp_loss += mb.mtp_loss.item<double>() / t.grad_accum;
      const double share = 1.0 / t.grad_accum;
      for (size_t l = 0; l < out.moe.size(); ++l) {
        const auto& m = out.moe[l];
        if (micro == 0) {
          s.moe_layers.push_back(m.layer);
          loads.push_back(m.load * share), entropy.push_back(m.entropy * share), dropped.push_back(m.dropped_frac * share);
        } else {
          loads[l] = loads[l] + m.load * share;
          entropy[l] = entropy[l] + m.entropy * share;
          dropped[l] = dropped[l] + m.dropped_frac * share;
        }
      }
    }
    if (dp) sync_ranks(*dp, s, loads, entropy, dropped, step == end);
    window.optimizer_ms += timed_ms(device_, [&] {
      const bool overflow = scaler.unscale(params);
      const double max_norm = t.grad_clip > 0 ? t.grad_clip : std::numeric_limits<double>::infinity();
      s.grad_norm = torch::nn::utils::clip_grad_norm_(params, max_norm);
      s.loss_scale = scaler.scale();
      scaler.update(overflow);
      if (overflow && scaler.enabled()) {
        s.skipped = true;  // the scaler's overflow: expected now and then, the scale backs off
        sink_.log(wire::LogLevel::Info, "step " + std::to_string(step) + ": fp16 gradient overflow at loss scale " +
                                            format_number(s.loss_scale) + ", skipped; scale now " +
                                            format_number(scaler.scale()));
      } else if (!std::isfinite(s.loss) || !std::isfinite(s.grad_norm)) {
        s.skipped = true;  // never apply a non-finite update
        sink_.log(wire::LogLevel::Warning, "step " + std::to_string(step) + ": non-finite loss or gradient, skipped");
      } else {
        set_learning_rate(optimizer, s.lr);
        optimizer.step();
      }
      model_->update_expert_bias();  // the loads were real even when the update was skipped
    });
    for (size_t l = 0; l < loads.size(); ++l) {
      auto c = loads[l].to(torch::kCPU).contiguous();  // [experts]
      s.expert_load.emplace_back(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
      s.router_entropy.push_back(entropy[l].item<double>());
      s.dropped_frac.push_back(dropped[l].item<double>());
    }
    ++window_steps;
    ++steps_run;
    result.last_loss = s.loss;
    if (o.on_step) o.on_step(s);

    curriculum.observe_loss(s.loss);
    bool stopping = o.stop_requested && o.stop_requested->load();
    if (dp) stopping = dp->any(stopping);  // every rank stops at the same step
    if (step % e_.telemetry.log_every == 0 || step == end || stopping) {
      const double secs = std::chrono::duration<double>(Clock::now() - window_start).count();
      const double tps = secs > 0 ? double(window.tokens) / secs : 0;
      wire::Metrics m{step, wall_clock(),
                      {{"train/loss", s.loss}, {"train/lr", s.lr}, {"train/grad_norm", s.grad_norm},
                       {"train/tokens", double(total_tokens)}, {"perf/tokens_per_s", tps},
                       {"curriculum/phase", double(curriculum.phase())}}};
      const double n = double(std::max<int64_t>(window_steps, 1));
      m.values.emplace_back("perf/forward_ms", window.forward_ms / n);
      m.values.emplace_back("perf/backward_ms", window.backward_ms / n);
      m.values.emplace_back("perf/optimizer_ms", window.optimizer_ms / n);
      m.values.emplace_back("perf/peak_memory_mb", peak_host_memory_mb());
      if (e_.data.task == "text")
        m.values.emplace_back("data/padding_frac", double(window.padding) / double(std::max<int64_t>(window.tokens + window.padding, 1)));
      run_tokens += window.tokens;
      window = {};
      if (scaler.enabled()) m.values.emplace_back("train/loss_scale", s.loss_scale);
      if (e_.model.mtp_weight > 0) m.values.emplace_back("train/mtp_loss", s.mtp_loss);
      if (!s.expert_load.empty()) {
        m.values.emplace_back("train/aux_loss", s.aux_loss);
        double worst_ratio = 0;  // moe/max_load_ratio: the worst layer's
        for (size_t l = 0; l < s.expert_load.size(); ++l) {
          const std::string prefix = "moe/L" + std::to_string(s.moe_layers[l]) + "/";
          const auto& load = s.expert_load[l];
          const double ratio = double(*std::max_element(load.begin(), load.end())) * load.size();
          worst_ratio = std::max(worst_ratio, ratio);
          m.values.emplace_back(prefix + "load_ratio", ratio);
          m.values.emplace_back(prefix + "router_entropy", s.router_entropy[l]);
          m.values.emplace_back(prefix + "dropped_frac", s.dropped_frac[l]);
        }
        m.values.emplace_back("moe/max_load_ratio", worst_ratio);
      }
      sink_.emit(std::move(m));
      if (o.progress) {
        const double elapsed = std::chrono::duration<double>(Clock::now() - run_start).count();
        const double eta = elapsed / steps_run * double(end - step);
        std::fprintf(stderr, "step %lld/%d  loss %.4f  lr %.2e  %.0f tok/s  ETA %s\n", (long long)step, t.steps, s.loss,
                     s.lr, tps, format_eta(eta).c_str());
      }
      window_start = Clock::now();
      window_steps = 0;
    }
    if (!s.expert_load.empty() && (step % e_.telemetry.expert_load_every == 0 || step == end)) {
      wire::Snapshot snap{step, "moe/expert_load", uint32_t(s.expert_load.size()), uint32_t(s.expert_load[0].size()), {}};
      for (auto& l : s.expert_load) snap.data.insert(snap.data.end(), l.begin(), l.end());
      sink_.emit(std::move(snap));
      if (e_.model.moe.bias_update_speed > 0) sink_.emit(bias_snapshot(step));
    }
    if (e_.telemetry.probe_every > 0 && (step % e_.telemetry.probe_every == 0 || step == end))
      for (auto& snap : run_probes(model_, *tokenizer, e_.telemetry.probe_text, step, device_)) sink_.emit(std::move(snap));
    const bool checkpoint_due =
        lead && ((t.checkpoint_every > 0 && step % t.checkpoint_every == 0) || step == end || stopping);
    if (checkpoint_due) {
      sink_.emit(wire::Checkpoint{step, save_checkpoint(run_dir_, step, *model_, optimizer,
                                                  {{"loss_scale", scaler.scale()},
                                                   {"loss_scale_clean_steps", scaler.clean_steps()},
                                                   {"curriculum", curriculum.state()},
                                                   {"tokens", total_tokens}})});
      prune_checkpoints(run_dir_, t.keep_checkpoints);
    }
    sink_.flush(checkpoint_due);
    if (stopping) break;
  }
  if (dp) {
    result.max_weight_difference = dp->max_difference(params);
    sink_.emit(wire::Metrics{step, wall_clock(), {{"dp/max_weight_diff", result.max_weight_difference},
                                                   {"dp/max_grad_diff", last_grad_difference_}}});
    sink_.log(wire::LogLevel::Info, "data parallel over " + std::to_string(dp->world()) +
                                        " ranks: largest weight difference between ranks " +
                                        format_number(result.max_weight_difference));
  }
  result.state = step >= t.steps ? "completed" : "stopped";
  result.last_step = step;
  const double secs = std::chrono::duration<double>(Clock::now() - run_start).count();
  result.tokens_per_s = secs > 0 ? double(run_tokens + window.tokens) / secs : 0;
  sink_.emit(wire::Status{step, result.state,
                          result.state == "completed" ? "" : "stopped at step " + std::to_string(step) +
                                                                 "; run again to resume"});
  sink_.flush(true);
  return result;
}

}  // namespace r1wb::gpu
