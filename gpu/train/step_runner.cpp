#include "gpu/train/step_runner.h"

#include "core/config/config_schema.h"
#include "gpu/runtime/autocast_scope.h"
#include "gpu/runtime/device_timer.h"
#include "gpu/train/lr_schedule.h"
#include "gpu/train/optimizer.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace r1wb::gpu {
double StepStats::value(const std::string& name) const {
  for (const auto& [n, v] : values)
    if (n == name) return v;
  return 0;
}

struct StepRunner::MoeSums {
  std::vector<torch::Tensor> load, entropy, dropped;  // [moe layers] of [experts], [], []
  void add(const std::vector<MoeLayerStats>& layers, double share, bool first, StepStats& s) {
    for (size_t l = 0; l < layers.size(); ++l) {
      const auto& m = layers[l];
      if (first) {
        s.moe_layers.push_back(m.layer);
        load.push_back(m.load * share), entropy.push_back(m.entropy * share), dropped.push_back(m.dropped_frac * share);
      } else {
        load[l] = load[l] + m.load * share;
        entropy[l] = entropy[l] + m.entropy * share;
        dropped[l] = dropped[l] + m.dropped_frac * share;
      }
    }
  }
};

StepRunner::StepRunner(const Experiment& e, TransformerLM model, torch::optim::Optimizer& optimizer,
                       Objective& objective, LossScaler& scaler, torch::Device device, RankGroup* ranks, LogFn log)
    : e_(e), model_(model), optimizer_(optimizer), objective_(objective), scaler_(scaler), device_(device),
      ranks_(ranks), log_(std::move(log)), balancing_(model, ranks), params_(model->parameters()) {
  check_batch_divides(e.train, ranks ? ranks->world() : 1);
}

StepStats StepRunner::run(int64_t step, TrainingData& data, const DifficultyMix& mix, bool last) {
  const auto& t = e_.train;
  StepStats s;
  s.step = step;
  s.lr = learning_rate(t, step);
  optimizer_.zero_grad();
  MoeSums moe;
  const double share = 1.0 / t.grad_accum;
  for (int micro = 0; micro < t.grad_accum; ++micro) {
    Batch b;
    LossNorm norm;
    s.data_ms += host_ms([&] {  // no device sync: the copies overlap with the forward
      b = data.batch(step, micro, mix);
      s.tokens += b.input.numel() - b.padding;
      s.padding += b.padding;
      if (ranks_) {  // this rank's rows of the global batch, normalised as the global batch
        const int64_t rows = t.batch_size / ranks_->world(), first = rows * ranks_->rank();
        norm.tokens = b.mask.sum().item<double>();
        norm.mtp_tokens = b.mask.narrow(1, 1, b.mask.size(1) - 1).sum().item<double>();
        norm.router_share = 1.0 / ranks_->world();
        b.input = b.input.narrow(0, first, rows), b.target = b.target.narrow(0, first, rows);
        b.mask = b.mask.narrow(0, first, rows);
        for (auto& [name, t] : b.rows) t = t.narrow(0, first, rows);
      }
      b.input = b.input.to(device_), b.target = b.target.to(device_), b.mask = b.mask.to(device_);
      for (auto& [name, t] : b.rows) t = t.to(device_);
    });
    MicroBatchResult mb;
    s.forward_ms += timed_ms(device_, [&] {
      AutocastScope autocast(t.precision, device_);
      mb = objective_.micro_batch(model_, b, norm);
    });
    s.backward_ms += timed_ms(device_, [&] { scaler_.scale_loss(mb.loss / double(t.grad_accum)).backward(); });
    if (micro > 0 && mb.values.size() != s.values.size())
      throw std::logic_error("objective: micro-batch " + std::to_string(micro) + " reported " +
                             std::to_string(mb.values.size()) + " values, micro-batch 0 " +
                             std::to_string(s.values.size()) + " (each must report the same values)");
    for (size_t i = 0; i < mb.values.size(); ++i) {
      if (micro == 0) s.values.emplace_back(mb.values[i].first, 0.0);
      s.values[i].second += mb.values[i].second * share;
    }
    moe.add(mb.moe, share, micro == 0, s);
  }
  if (ranks_) sync_ranks(s, moe, last);
  s.loss = s.values.empty() ? 0 : s.values[0].second;
  s.optimizer_ms += timed_ms(device_, [&] { apply(s); });
  for (size_t l = 0; l < moe.load.size(); ++l) {
    auto c = moe.load[l].to(torch::kCPU).contiguous();  // [experts]
    s.expert_load.emplace_back(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    s.router_entropy.push_back(moe.entropy[l].item<double>());
    s.dropped_frac.push_back(moe.dropped[l].item<double>());
  }
  return s;
}

void StepRunner::sync_ranks(StepStats& s, MoeSums& moe, bool last) {
  std::vector<torch::Tensor> grads;
  for (auto& p : params_) {
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    grads.push_back(p.grad());
  }
  ranks_->sum(grads);  // losses were normalised globally: the sum is the global batch's gradient
  if (last) last_grad_difference_ = ranks_->max_difference(grads);
  balancing_.before_optimizer_step();  // the bias update sees the whole batch's loads
  std::vector<double> values;
  for (const auto& v : s.values) values.push_back(v.second);
  std::vector<torch::Tensor> stats{torch::tensor(values, torch::kFloat64)};
  for (auto* group : {&moe.load, &moe.entropy, &moe.dropped})
    for (auto& x : *group) stats.push_back(x.to(torch::kFloat32) / double(ranks_->world()));
  ranks_->sum(stats);
  for (size_t i = 0; i < s.values.size(); ++i) s.values[i].second = stats[0][int64_t(i)].item<double>();
  size_t i = 1;
  for (auto* group : {&moe.load, &moe.entropy, &moe.dropped})
    for (auto& x : *group) x = stats[i++];
}

void StepRunner::apply(StepStats& s) {
  const auto& t = e_.train;
  const bool overflow = scaler_.unscale(params_);
  const double max_norm = t.grad_clip > 0 ? t.grad_clip : std::numeric_limits<double>::infinity();
  s.grad_norm = torch::nn::utils::clip_grad_norm_(params_, max_norm);
  s.loss_scale = scaler_.scale();
  scaler_.update(overflow);
  if (overflow && scaler_.enabled()) {
    s.skipped = true;  // the scaler's overflow: expected now and then, the scale backs off
    log_(wire::LogLevel::Info, "step " + std::to_string(s.step) + ": fp16 gradient overflow at loss scale " +
                                   format_number(s.loss_scale) + ", skipped; scale now " +
                                   format_number(scaler_.scale()));
  } else if (!std::isfinite(s.loss) || !std::isfinite(s.grad_norm)) {
    s.skipped = true;  // never apply a non-finite update
    log_(wire::LogLevel::Warning, "step " + std::to_string(s.step) + ": non-finite loss or gradient, skipped");
  } else {
    set_learning_rate(optimizer_, s.lr, objective_.lr_scales());
    s.guard_ms += timed_ms(device_, [&] { keep_weights(); });
    optimizer_.step();
    bool finite = true;
    s.guard_ms += timed_ms(device_, [&] { finite = weights_finite(); });
    if (!finite) {  // finite gradients, non-finite update: eps 0, a damaged moment, overflow
      restore_weights();
      s.skipped = true;
      log_(wire::LogLevel::Warning, "step " + std::to_string(s.step) +
                                        ": the update made weights non-finite; undone and skipped (loss " +
                                        format_number(s.loss) + ", gradient norm " + format_number(s.grad_norm) + ")");
    }
  }
  balancing_.after_optimizer_step();
}

void StepRunner::keep_weights() {
  torch::NoGradGuard no_grad;
  if (kept_.size() != params_.size()) {
    kept_.clear();
    for (const auto& p : params_) kept_.push_back(torch::empty_like(p).detach());
  }
  for (size_t i = 0; i < params_.size(); ++i) kept_[i].copy_(params_[i].detach());
}

void StepRunner::restore_weights() {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) params_[i].detach().copy_(kept_[i]);
}

bool StepRunner::weights_finite() {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> sums;
  sums.reserve(params_.size());
  for (const auto& p : params_) sums.push_back(p.detach().sum(torch::kDouble));  // any NaN or inf stays one
  bool finite = sums.empty() || torch::stack(sums).sum().isfinite().item<bool>();
  if (ranks_) finite = !ranks_->any(!finite);  // every rank undoes the same step
  return finite;
}

}  // namespace r1wb::gpu
