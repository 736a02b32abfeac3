// Pins the ETA: measured from the first step seen after a launch, so time before it (data
// preparation, the stopped period before a resume) does not count.
#include "core/jobs/progress_estimate.h"

#include <gtest/gtest.h>

using namespace r1wb;

TEST(ProgressEstimate, EtaFollowsTheRateSinceTheFirstStepSeen) {
  ProgressEstimate p;
  EXPECT_FALSE(p.eta_seconds());
  p.observe(-1, 100, 1000.0);  // started, no step yet
  p.observe(40, 100, 5000.0);  // a resumed run: first sight at step 40
  EXPECT_FALSE(p.eta_seconds()) << "one step seen gives no rate";
  p.observe(50, 100, 5010.0);  // 1 s per step
  ASSERT_TRUE(p.eta_seconds());
  EXPECT_DOUBLE_EQ(*p.eta_seconds(), 50.0);
  EXPECT_DOUBLE_EQ(p.fraction(), 0.5);
  p.observe(10, 100, 5020.0);  // rewound by a resume from an older checkpoint: start over
  EXPECT_FALSE(p.eta_seconds());
}

TEST(ProgressEstimate, DurationsReadNaturally) {
  EXPECT_EQ(format_duration(42.4), "42 s");
  EXPECT_EQ(format_duration(125), "2 min 05 s");
  EXPECT_EQ(format_duration(3 * 3600 + 5 * 60), "3 h 05 min");
}
