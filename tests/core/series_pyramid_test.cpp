// Pins the chart's full-fidelity downsampling: every bucket's min, max, mean and count equal
// a brute-force pass over its points, for random ranges, bucket counts and repeated x; a
// single spike among a million points survives; appends keep the pyramid exact.
#include "core/series/series_pyramid.h"

#include <gtest/gtest.h>

#include <random>

using namespace r1wb;

TEST(SeriesPyramid, BucketsEqualABruteForcePassOverTheirPoints) {
  std::mt19937_64 rng(5);
  SeriesPyramid s;
  std::vector<std::pair<int64_t, double>> points;
  int64_t x = 0;
  for (int i = 0; i < 5000; ++i) {
    x += int64_t(rng() % 3);  // repeated x included
    const double v = std::normal_distribution<double>(0, 1)(rng);
    ASSERT_TRUE(s.append(x, v));
    points.emplace_back(x, v);
    if (i % 997 != 0 && i != 4999) continue;  // check while growing, not only at the end
    for (int trial = 0; trial < 20; ++trial) {
      const int64_t lo = int64_t(rng() % uint64_t(x + 1)), hi = lo + int64_t(rng() % uint64_t(x - lo + 1));
      const int n = 1 + int(rng() % 300);
      const auto buckets = s.buckets(lo, hi, n);
      ASSERT_LE(buckets.size(), size_t(n));
      size_t covered = 0;
      for (const auto& b : buckets) {
        double mn = 1e300, mx = -1e300, sum = 0;
        int64_t count = 0;
        for (const auto& [px, pv] : points)
          if (px >= b.step_lo && px <= b.step_hi) mn = std::min(mn, pv), mx = std::max(mx, pv), sum += pv, ++count;
        ASSERT_EQ(b.count, count) << "bucket [" << b.step_lo << ", " << b.step_hi << "]";
        ASSERT_EQ(b.min, mn);
        ASSERT_EQ(b.max, mx);
        ASSERT_NEAR(b.mean, sum / count, 1e-9);
        covered += size_t(count);
      }
      size_t in_range = 0;
      for (const auto& p : points) in_range += p.first >= lo && p.first <= hi;
      ASSERT_EQ(covered, in_range) << "every point in [" << lo << ", " << hi << "] is in one bucket";
    }
  }
}

TEST(SeriesPyramid, ASingleSpikeAmongAMillionPointsShowsAtEveryZoom) {
  SeriesPyramid s;
  for (int64_t i = 1; i <= 1'000'000; ++i) s.append(i, i == 777'777 ? 100.0 : 1.0);
  for (int64_t lo : {int64_t(1), int64_t(700'000), int64_t(777'000)}) {
    const auto buckets = s.buckets(lo, 1'000'000, 1600);
    int spikes = 0;
    for (const auto& b : buckets) spikes += b.max == 100.0;
    EXPECT_EQ(spikes, 1) << "from x " << lo;
  }
}

TEST(SeriesPyramid, AnOutOfOrderPointIsRefused) {
  SeriesPyramid s;
  EXPECT_TRUE(s.append(10, 1));
  EXPECT_FALSE(s.append(9, 2));
  EXPECT_EQ(s.size(), 1u);
  EXPECT_TRUE(s.buckets(11, 20, 5).empty());
}
