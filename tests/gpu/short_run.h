// A short training run of an experiment document for the engine tests: the trainer in a
// temp run directory, the mean loss over the first and last few steps, and a hook for
// whatever else a test watches.
#pragma once
#include "core/config/config.h"
#include "gpu/train/event_sink.h"
#include "gpu/train/trainer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

namespace r1wb::testing {

struct ShortRun {
  double first_loss = 0;  //!< mean over the first `window` steps
  double last_loss = 0;   //!< mean over the last `window` steps
  gpu::TrainResult result;
};

inline ShortRun short_run(const nlohmann::json& doc, const std::filesystem::path& dir, int window = 5,
                          const std::function<void(const gpu::StepStats&)>& extra = {}) {
  auto cfg = validate_experiment(doc);
  EXPECT_TRUE(cfg.ok()) << (cfg.errors.empty() ? "" : cfg.errors[0].to_string());
  if (!cfg.ok()) return {};
  gpu::EventSink sink(dir.string(), -1, "", cfg.resolved.dump(), cfg.experiment.name);
  gpu::Trainer trainer(cfg.experiment, dir.string(), sink, cfg.resolved.dump());
  ShortRun r;
  const int steps = cfg.experiment.train.steps;
  gpu::TrainOptions o;
  o.on_step = [&](const gpu::StepStats& s) {
    if (s.step <= window) r.first_loss += s.loss / window;
    if (s.step > steps - window) r.last_loss += s.loss / window;
    if (extra) extra(s);
  };
  r.result = trainer.run(o);
  EXPECT_EQ(r.result.state, "completed");
  return r;
}

}  // namespace r1wb::testing
