#include "gpu/quant/learned_steps.h"

#include "gpu/quant/quantized_size.h"

#include <cmath>
#include <map>
#include <memory>
#include <stdexcept>

namespace r1wb::gpu {
namespace {

struct Range {
  double lo, hi;
};
Range range_of(WeightQuant grid) {
  if (grid == WeightQuant::Int8) return {-127, 127};
  if (grid == WeightQuant::Int4) return {-8, 7};
  throw std::invalid_argument(std::string("learned steps: ") + name_of(grid) + " is not int8 or int4");
}

//! The steps' key of a model parameter: dots are not allowed in a module's parameter names.
std::string step_name(std::string key) {
  for (auto& c : key)
    if (c == '.') c = '_';
  return key;
}

//! The module holding the steps, null when the model has none.
std::shared_ptr<torch::nn::Module> steps_module(TransformerLM& model) {
  for (const auto& child : model->named_children())
    if (child.key() == kLearnedStepsModule) return child.value();
  return nullptr;
}

//! w [..., out, in] as groups [..., out, in / group, group] matching steps s [..., out, in / group].
torch::Tensor grouped(const torch::Tensor& w, const torch::Tensor& s) {
  auto shape = s.sizes().vec();
  shape.push_back(w.size(-1) / s.size(-1));
  return w.reshape(shape);
}

}  // namespace

std::string learned_step_key(const std::string& key) { return std::string(kLearnedStepsModule) + "." + step_name(key); }
std::string learned_steps_started_key() { return std::string(kLearnedStepsModule) + ".started"; }

void attach_learned_steps(TransformerLM& model, const QuantConfig& q) {
  if (!q.learned_steps) return;
  range_of(q.weights);
  if (steps_module(model)) throw std::logic_error("attach_learned_steps: the model has its steps already");
  auto module = std::make_shared<torch::nn::Module>("LearnedSteps");
  for (const auto& p : model->named_parameters()) {
    if (!is_quantized_matrix(p.key(), p.value(), q)) continue;
    auto shape = p.value().sizes().vec();
    const int64_t in = shape.back();
    shape.back() = q.weights == WeightQuant::Int8 ? 1 : in / q.group_size;
    module->register_parameter(step_name(p.key()), torch::zeros(shape, p.value().options()));  // ln 1
  }
  module->register_buffer("started", torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat32)));
  model->register_module(kLearnedStepsModule, module);
}

void start_learned_steps(TransformerLM& model, const QuantConfig& q) {
  auto module = steps_module(model);
  if (!module) throw std::logic_error("start_learned_steps: the model has no learned steps");
  auto started = module->named_buffers(false)["started"];  // a handle: filling it fills the buffer
  if (started.item<float>() != 0) return;
  torch::NoGradGuard no_grad;
  const double hi = range_of(q.weights).hi;
  auto steps = module->named_parameters(false);
  for (const auto& p : model->named_parameters()) {
    auto* s = steps.find(step_name(p.key()));
    if (!s) continue;
    s->copy_((grouped(p.value(), *s).abs().amax(-1) / hi).clamp_min(1e-8).log());
  }
  started.fill_(1);
}

torch::Tensor learned_step(TransformerLM& model, const std::string& key) {
  auto module = steps_module(model);
  if (!module) return {};
  const auto steps = module->named_parameters(false);
  const auto* s = steps.find(step_name(key));
  return s ? s->exp() : torch::Tensor();
}

torch::Tensor learned_rounding(const torch::Tensor& w, const torch::Tensor& s, WeightQuant grid) {
  const auto [lo, hi] = range_of(grid);
  const auto g = grouped(w, s);
  if (!torch::GradMode::is_enabled() || !(w.requires_grad() || s.requires_grad())) {
    const auto step = s.detach().unsqueeze(-1);
    return ((g.detach() / step).round().clamp(lo, hi) * step).view(w.sizes());
  }
  // LSQ's gradient scale: the step's value, its gradient times 1 / sqrt(elements per step x hi).
  const double scale = 1.0 / std::sqrt(double(g.size(-1)) * hi);
  const auto step = (s * scale + (s - s * scale).detach()).clamp_min(1e-8).unsqueeze(-1);
  const auto v = (g / step).clamp(lo, hi);
  return ((v + (v.round() - v).detach()) * step).view(w.sizes());
}

IntegerWeight learned_integer_weight(const torch::Tensor& w, const torch::Tensor& s, WeightQuant grid) {
  const auto [lo, hi] = range_of(grid);
  torch::NoGradGuard no_grad;
  const auto step = s.to(torch::kFloat32);
  const auto q = (grouped(w.to(torch::kFloat32), step) / step.unsqueeze(-1)).round().clamp(lo, hi);
  return {q.to(torch::kInt8).view(w.sizes()), step.clone()};
}

MatmulHooks quant_hooks(TransformerLM& model, const QuantConfig& q) {
  if (!q.learned_steps) return fake_quant_hooks(q);
  QuantConfig inputs_only = q;
  inputs_only.weights = WeightQuant::None;
  auto h = fake_quant_hooks(inputs_only);
  // Each matrix's steps, found by the parameter the blocks name (MatrixRef), not by the tensor
  // handed over: an expert's weight is a slice of its stacked parameter.
  auto module = steps_module(model);
  if (!module) throw std::logic_error("quant_hooks: quant.learned_steps, but the model has no steps attached");
  const auto logs = module->named_parameters(false);
  auto steps = std::make_shared<std::map<const void*, torch::Tensor>>();
  for (const auto& p : model->named_parameters())
    if (const auto* s = logs.find(step_name(p.key()))) (*steps)[p.value().unsafeGetTensorImpl()] = *s;
  h.weight = [steps, grid = q.weights](const torch::Tensor& w, const MatrixRef& of) {
    const auto it = steps->find(of.param.unsafeGetTensorImpl());
    if (it == steps->end()) throw std::logic_error("learned steps: a block matrix without steps");
    return learned_rounding(w, (of.expert >= 0 ? it->second[of.expert] : it->second).exp(), grid);
  };
  return h;
}

}  // namespace r1wb::gpu
