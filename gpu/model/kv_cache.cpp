#include "gpu/model/kv_cache.h"

namespace r1wb::gpu {

std::pair<torch::Tensor, torch::Tensor> LayerKv::append(const torch::Tensor& a, const torch::Tensor& b, int64_t dim_a,
                                                        int64_t dim_b) {
  first = first.defined() ? torch::cat({first, a}, dim_a) : a;
  second = second.defined() ? torch::cat({second, b}, dim_b) : b;
  return {first, second};
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
