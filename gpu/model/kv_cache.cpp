#include "gpu/model/kv_cache.h"

#include <algorithm>

namespace r1wb::gpu {

namespace {
//! `buffer` with room for at least `tokens` along `dim`, the filled part kept.
torch::Tensor with_room(const torch::Tensor& buffer, const torch::Tensor& like, int64_t dim, int64_t filled,
                        int64_t tokens) {
  if (buffer.defined() && buffer.size(dim) >= tokens) return buffer;
  auto sizes = like.sizes().vec();
  sizes[size_t(dim)] = std::max(tokens, buffer.defined() ? 2 * buffer.size(dim) : tokens);
  auto grown = torch::empty(sizes, like.options());
  if (filled > 0) grown.narrow(dim, 0, filled).copy_(buffer.narrow(dim, 0, filled));
  return grown;
}
}  // namespace

std::pair<torch::Tensor, torch::Tensor> LayerKv::append(const torch::Tensor& a, const torch::Tensor& b, int64_t dim_a,
                                                        int64_t dim_b) {
  const int64_t t = a.size(dim_a), total = length + t;
  first = with_room(first, a, dim_a, length, std::max(total, capacity));
  second = with_room(second, b, dim_b, length, std::max(total, capacity));
  first.narrow(dim_a, length, t).copy_(a);
  second.narrow(dim_b, length, t).copy_(b);
  length = total;
  return {first.narrow(dim_a, 0, length), second.narrow(dim_b, 0, length)};
}

void KvCache::repeat_rows(int64_t n) {
  for (auto& l : layers) {
    l.first = l.first.repeat_interleave(n, 0);
    l.second = l.second.repeat_interleave(n, 0);
  }
}

void KvCache::keep_rows(const torch::Tensor& index) {
  for (auto& l : layers) {
    l.first = l.first.index_select(0, index.to(l.first.device()));
    l.second = l.second.index_select(0, index.to(l.second.device()));
  }
}

int64_t KvCache::bytes() const {
  int64_t n = 0;
  for (const auto& l : layers)
    for (const auto* t : {&l.first, &l.second})
      if (t->defined()) n += t->numel() * int64_t(t->element_size());
  return n;
}

}  // namespace r1wb::gpu
