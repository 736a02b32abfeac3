#include "gpu/quant/layer_errors.h"

#include "gpu/quant/quantized_size.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace r1wb::gpu {
namespace {

double relative(const torch::Tensor& moved, const torch::Tensor& reference) {
  const double ref = reference.to(torch::kFloat64).norm().item<double>();
  return ref > 0 ? (moved.to(torch::kFloat64) - reference.to(torch::kFloat64)).norm().item<double>() / ref : 0.0;
}

}  // namespace

LayerErrors measure_layer_errors(TransformerLM& model, const MatrixCompression& c, const torch::Tensor& tokens) {
  torch::NoGradGuard no_grad;
  LayerErrors e;
  const size_t layers = model->blocks->size();
  // Weights: one column per matrix name, in the order they first appear.
  std::vector<std::vector<std::pair<std::string, double>>> per_layer(layers);
  for (size_t i = 0; i < layers; ++i) {
    for (const auto& item : model->blocks[i]->named_parameters()) {
      const std::string key = "blocks." + std::to_string(i) + "." + item.key();
      if (!c.hooks.weight || !is_block_matrix(key, item.value(), c.experts)) continue;
      std::string name = item.key();
      if (name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0) name.resize(name.size() - 7);
      if (std::find(e.matrices.begin(), e.matrices.end(), name) == e.matrices.end()) e.matrices.push_back(name);
      const auto& w = item.value();
      per_layer[i].push_back({name, relative(c.hooks.weight(w, {w}), w)});
    }
  }
  for (const auto& cells : per_layer) {
    std::vector<double> row(e.matrices.size(), std::numeric_limits<double>::quiet_NaN());
    for (const auto& [name, err] : cells)
      row[std::find(e.matrices.begin(), e.matrices.end(), name) - e.matrices.begin()] = err;
    e.weight.push_back(std::move(row));
  }
  // Outputs: each block on the float model's input to it, with and without the hooks.
  auto x = model->embed(tokens);
  for (size_t i = 0; i < layers; ++i) {
    auto block = model->blocks[i]->as<Block>();
    LMOutput scratch;
    scratch.router_loss = scratch.aux_loss = torch::zeros({}, x.options().dtype(torch::kFloat32));
    model->set_matmul_hooks({});
    const auto y = block->forward(x, scratch);
    model->set_matmul_hooks(c.hooks, c.experts);
    const auto yq = block->forward(x, scratch);
    e.output.push_back(relative(yq - x, y - x));
    x = y;
  }
  model->set_matmul_hooks({});
  return e;
}

}  // namespace r1wb::gpu
