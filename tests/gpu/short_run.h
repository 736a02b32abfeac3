// The one short training run of the engine tests: a resolved experiment trained in a run
// directory (resuming from a checkpoint there, as a new process would), with each step's loss,
// the mean loss over the first and last few steps, and a hook for whatever else a test watches.
#pragma once
#include "core/config/config.h"
#include "gpu/train/event_sink.h"
#include "gpu/train/trainer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>

namespace r1wb::testing {

struct ShortRunOptions {
  int window = 5;                           //!< steps averaged into first_loss and last_loss
  int64_t stop_after = -1;                  //!< --steps N
  const std::atomic<bool>* stop = nullptr;  //!< a stop request the test raises
  std::function<void(const gpu::StepStats&)> on_step;
};

struct ShortRun {
  double first_loss = 0;             //!< mean over the first `window` steps of train.steps
  double last_loss = 0;              //!< mean over the last `window` steps of train.steps
  std::map<int64_t, double> losses;  //!< step -> loss, the steps this call ran
  gpu::TrainResult result;
};

inline ShortRun short_run(const ConfigResult& cfg, const std::filesystem::path& dir, const ShortRunOptions& options) {
  EXPECT_TRUE(cfg.ok()) << (cfg.errors.empty() ? "" : cfg.errors[0].to_string());
  if (!cfg.ok()) return {};
  gpu::EventSink sink(dir.string(), -1, "", cfg.resolved.dump(), cfg.experiment.name);
  gpu::Trainer trainer(cfg.experiment, dir.string(), sink, cfg.resolved.dump());
  ShortRun r;
  const int steps = cfg.experiment.train.steps, window = options.window;
  gpu::TrainOptions o;
  o.stop_after_step = options.stop_after;
  o.stop_requested = options.stop;
  o.on_step = [&](const gpu::StepStats& s) {
    r.losses[s.step] = s.loss;
    if (s.step <= window) r.first_loss += s.loss / window;
    if (s.step > steps - window) r.last_loss += s.loss / window;
    if (options.on_step) options.on_step(s);
  };
  r.result = trainer.run(o);
  return r;
}

//! A whole run of an experiment document, expected to complete.
inline ShortRun short_run(const nlohmann::json& doc, const std::filesystem::path& dir, int window = 5,
                          const std::function<void(const gpu::StepStats&)>& on_step = {}) {
  auto r = short_run(validate_experiment(doc), dir, ShortRunOptions{window, -1, nullptr, on_step});
  EXPECT_EQ(r.result.state, RunStatus::Completed);
  return r;
}

}  // namespace r1wb::testing
