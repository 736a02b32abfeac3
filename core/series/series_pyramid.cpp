#include "core/series/series_pyramid.h"

#include <algorithm>
#include <cmath>

namespace r1wb {

bool SeriesPyramid::append(int64_t x, double value) {
  if (!x_.empty() && x < x_.back()) return false;
  const size_t n = x_.size();
  x_.push_back(x);
  y_.push_back(value);
  if (prefix_.empty()) prefix_.push_back(0);
  prefix_.push_back(prefix_.back() + value);
  // Recompute the block holding the new point at every level from its two halves (points
  // at level 0, blocks of the level below above). Level l exists once a block of 2^(l+1)
  // points is complete.
  const size_t total = n + 1;
  for (size_t l = 0; (size_t(2) << l) <= total; ++l) {
    if (levels_.size() == l) levels_.emplace_back();
    auto half = [&](size_t c) -> MinMax {
      if (l == 0) return {y_[c], y_[c]};
      return levels_[l - 1][c];
    };
    const size_t block = n >> (l + 1), halves = l == 0 ? total : levels_[l - 1].size();
    MinMax v = half(2 * block);
    if (2 * block + 1 < halves) {
      const MinMax w = half(2 * block + 1);
      v = {std::min(v.min, w.min), std::max(v.max, w.max)};
    }
    auto& level = levels_[l];
    if (level.size() == block)
      level.push_back(v);
    else
      level[block] = v;
  }
  return true;
}

SeriesPyramid::MinMax SeriesPyramid::range(size_t i, size_t j) const {
  MinMax r{y_[i], y_[i]};
  while (i < j) {
    // The largest aligned block starting at i that ends by j; a single point when none.
    int level = -1;
    while (size_t(level + 1) < levels_.size()) {
      const size_t size = size_t(1) << (level + 2);
      if (i % size != 0 || i + size > j || (i >> (level + 2)) >= levels_[level + 1].size()) break;
      ++level;
    }
    if (level < 0) {
      r = {std::min(r.min, y_[i]), std::max(r.max, y_[i])};
      ++i;
    } else {
      const auto& b = levels_[level][i >> (level + 1)];
      r = {std::min(r.min, b.min), std::max(r.max, b.max)};
      i += size_t(1) << (level + 1);
    }
  }
  return r;
}

std::vector<SeriesPoint> SeriesPyramid::buckets(int64_t x_lo, int64_t x_hi, int buckets) const {
  std::vector<SeriesPoint> out;
  if (x_.empty() || x_hi < x_lo || buckets <= 0) return out;
  const double width = double(x_hi - x_lo + 1) / buckets;
  size_t i = size_t(std::lower_bound(x_.begin(), x_.end(), x_lo) - x_.begin());
  for (int b = 0; b < buckets && i < x_.size() && x_[i] <= x_hi; ++b) {
    const int64_t edge = b + 1 == buckets ? x_hi : x_lo + int64_t(std::floor(width * (b + 1))) - 1;
    const size_t j = size_t(std::upper_bound(x_.begin() + i, x_.end(), edge) - x_.begin());
    if (j == i) continue;
    const MinMax m = range(i, j);
    out.push_back({x_[i], x_[j - 1], m.min, m.max, (prefix_[j] - prefix_[i]) / double(j - i), int64_t(j - i)});
    i = j;
  }
  return out;
}

}  // namespace r1wb
