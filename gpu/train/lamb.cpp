#include "gpu/train/lamb.h"

#include <torch/serialize/archive.h>

#include <cmath>

namespace r1wb::gpu {
namespace {

template <class T>
void read(torch::serialize::InputArchive& archive, const char* key, T& out) {
  c10::IValue v;
  if (archive.try_read(key, v)) out = v.to<T>();
}

}  // namespace

void LambOptions::serialize(torch::serialize::OutputArchive& a) const {
  a.write("lr", c10::IValue(lr())), a.write("beta1", c10::IValue(beta1())), a.write("beta2", c10::IValue(beta2()));
  a.write("eps", c10::IValue(eps())), a.write("weight_decay", c10::IValue(weight_decay()));
}

void LambOptions::serialize(torch::serialize::InputArchive& a) {
  read(a, "lr", lr_), read(a, "beta1", beta1_), read(a, "beta2", beta2_), read(a, "eps", eps_);
  read(a, "weight_decay", weight_decay_);
}

void LambParamState::serialize(torch::serialize::OutputArchive& a) const {
  a.write("step", c10::IValue(step()));
  a.write("exp_avg", c10::IValue(exp_avg()));
  a.write("exp_avg_sq", c10::IValue(exp_avg_sq()));
}

void LambParamState::serialize(torch::serialize::InputArchive& a) {
  read(a, "step", step_), read(a, "exp_avg", exp_avg_), read(a, "exp_avg_sq", exp_avg_sq_);
}

torch::Tensor Lamb::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    torch::AutoGradMode enable(true);
    loss = closure();
  }
  for (auto& group : param_groups()) {
    const auto& o = static_cast<const LambOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& slot = state_[c10::guts::to_string(p.unsafeGetTensorImpl())];
      if (!slot) {
        auto s = std::make_unique<LambParamState>();
        s->exp_avg(torch::zeros_like(p)).exp_avg_sq(torch::zeros_like(p));
        slot = std::move(s);
      }
      auto& s = static_cast<LambParamState&>(*slot);
      s.step(s.step() + 1);
      const auto& g = p.grad();
      s.exp_avg().mul_(o.beta1()).add_(g, 1 - o.beta1());
      s.exp_avg_sq().mul_(o.beta2()).addcmul_(g, g, 1 - o.beta2());
      const double c1 = 1 - std::pow(o.beta1(), double(s.step())), c2 = 1 - std::pow(o.beta2(), double(s.step()));
      auto update = (s.exp_avg() / c1) / ((s.exp_avg_sq() / c2).sqrt() + o.eps());
      if (o.weight_decay() != 0) update.add_(p, o.weight_decay());
      const double w_norm = p.norm().item<double>(), u_norm = update.norm().item<double>();
      const double trust = w_norm > 0 && u_norm > 0 ? w_norm / u_norm : 1.0;
      p.add_(update, -o.lr() * trust);
    }
  }
  return loss;
}

void Lamb::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<LambParamState, LambOptions>(archive, *this);
}

void Lamb::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<LambParamState, LambOptions>(archive, *this);
}

}  // namespace r1wb::gpu
