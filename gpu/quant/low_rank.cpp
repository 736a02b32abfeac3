#include "gpu/quant/low_rank.h"

#include <map>
#include <memory>
#include <tuple>
#include <vector>

namespace r1wb::gpu {

torch::Tensor low_rank_weight(const torch::Tensor& w, int rank) {
  const int64_t out = w.size(-2), in = w.size(-1);
  if (rank <= 0 || int64_t(rank) * (out + in) >= out * in) return w;
  const auto x = w.to(torch::kFloat32);
  auto [u, s, vh] = torch::linalg_svd(x, false);
  const auto ur = u.narrow(-1, 0, rank) * s.narrow(-1, 0, rank).unsqueeze(-2);
  return torch::matmul(ur, vh.narrow(-2, 0, rank)).to(w.scalar_type());
}

MatmulHooks low_rank_hooks(int rank) {
  // A slice of an expert weight shares its storage's address with the whole: key by shape too.
  using Key = std::tuple<const void*, std::vector<int64_t>>;
  auto cache = std::make_shared<std::map<Key, torch::Tensor>>();
  MatmulHooks h;
  h.weight = [rank, cache](const torch::Tensor& w, const MatrixRef&) {
    const Key key{w.data_ptr(), w.sizes().vec()};
    auto it = cache->find(key);
    if (it == cache->end()) it = cache->emplace(key, low_rank_weight(w.detach(), rank)).first;
    return it->second;
  };
  return h;
}

}  // namespace r1wb::gpu
