#include "gpu/model/activation_recompute.h"

#include "gpu/runtime/autocast_scope.h"

#include <ATen/core/ivalue.h>
#include <torch/autograd.h>

namespace r1wb::gpu {
namespace {

thread_local int g_rerun_depth = 0;  // backward runs reruns on the thread that owns the device

// What backward needs besides the input: the rerun and the autocast setting to rerun under.
struct Rerun : torch::CustomClassHolder {
  BlockFn fn;
  Precision precision = Precision::Fp32;
};

class Recompute : public torch::autograd::Function<Recompute> {
 public:
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx, torch::Tensor x,
                                                const BlockFn* run, c10::intrusive_ptr<Rerun> rerun) {
    ctx->save_for_backward({x});
    ctx->saved_data["rerun"] = c10::IValue::make_capsule(std::move(rerun));
    return (*run)(x);  // autograd is off inside a custom function's forward
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto rerun = c10::static_intrusive_pointer_cast<Rerun>(ctx->saved_data["rerun"].toCapsule());
    auto x = ctx->get_saved_variables()[0].detach().requires_grad_(true);
    std::vector<torch::Tensor> outs;
    {
      torch::AutoGradMode grad_on(true);
      AutocastScope autocast(rerun->precision, x.device());
      struct Depth {
        Depth() { ++g_rerun_depth; }
        ~Depth() { --g_rerun_depth; }
      } depth;
      outs = rerun->fn(x);
    }
    std::vector<torch::Tensor> roots, root_grads;
    for (size_t i = 0; i < outs.size(); ++i)
      if (grads[i].defined() && outs[i].requires_grad()) {
        roots.push_back(outs[i]);
        root_grads.push_back(grads[i]);
      }
    // Accumulates into every leaf of the rerun's graph: the parameters' .grad and x's.
    if (!roots.empty()) torch::autograd::backward(roots, root_grads);
    return {x.grad(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

bool recomputing() { return g_rerun_depth > 0; }

std::vector<torch::Tensor> recompute_in_backward(const torch::Tensor& x, const BlockFn& run, BlockFn rerun) {
  // A custom function's outputs need grad only through its tensor inputs; with an input that
  // needs none, the parameters' gradients would be lost, so keep the activations instead.
  if (!x.requires_grad()) {
    torch::AutoGradMode grad_on(true);
    return run(x);
  }
  auto r = c10::make_intrusive<Rerun>();
  r->fn = std::move(rerun);
  r->precision = AutocastScope::active_precision(x.device());
  return Recompute::apply(x, &run, r);
}

}  // namespace r1wb::gpu
