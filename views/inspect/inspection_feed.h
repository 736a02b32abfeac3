// Reads what the routing, attention, completions and curriculum panels show from the store: the selected
// run's snapshots at the step each panel's scrubber is on, its per-layer routing metrics,
// its curriculum phases and loss. It remembers what each panel already holds, so a refresh
// while a run streams reads only what changed, and the panels themselves never touch the
// store.
#pragma once
#include "core/store/store.h"

#include <QString>

#include <cstdint>
#include <string>

namespace r1wb::views {

class AttentionPanel;
class CompletionsPanel;
class CurriculumView;
class RoutingPanel;

class InspectionFeed {
 public:
  void routing(Store& store, const RunRow& run, RoutingPanel& panel);
  void attention(Store& store, const RunRow& run, AttentionPanel& panel);
  void curriculum(Store& store, const RunRow& run, CurriculumView& view);
  //! An RL run's rollouts at the scrubbed step, and the followed prompt across steps.
  void completions(Store& store, const RunRow& run, CompletionsPanel& panel);
  //! Forget what the panels hold (a run was deleted, or its steps were rewound).
  void reset() { *this = InspectionFeed(); }

 private:
  struct Seen {
    int64_t run = 0;
    int64_t step = -2;   // the data's step (snapshots) or the run's last step (histories)
    int64_t extra = -2;  // attention: the layer; routing: the probe's step
    bool same(int64_t r, int64_t s, int64_t e = -2) const { return run == r && step == s && extra == e; }
  };
  Seen load_, history_, probe_, attention_, curriculum_, samples_, followed_;
  std::string followed_prompt_;
  int64_t attention_steps_run_ = 0;
  int64_t routing_run_ = 0, attention_run_ = 0, completions_run_ = 0;  // a new run starts its scrubbers on "newest"
};

}  // namespace r1wb::views
