// The curriculum timeline: the difficulty mix of each phase as a stacked area over the
// steps (phase k's mix holds from its start until the next phase), a marker at the run's
// current step, and the loss drawn above on the same step axis with the phase boundaries
// carried through it, so a jump in the loss at a phase change lines up with its cause. The
// loss line's mapping and ticks come from plot_axes.h.
#pragma once
#include <QString>
#include <QWidget>

#include <cstdint>
#include <utility>
#include <vector>

namespace r1wb::views {

struct CurriculumPhase {
  int64_t start_step = 0;
  std::vector<float> mix;  //!< share per difficulty level, sums to 1
};

struct CurriculumTimeline {
  QString run_name;
  int min_difficulty = 1;
  int64_t total_steps = 0;
  int64_t current_step = -1;
  std::vector<CurriculumPhase> phases;           //!< ascending start steps
  std::vector<std::pair<int64_t, double>> loss;  //!< (step, train/loss)
  bool empty() const { return phases.empty(); }
};

class CurriculumView : public QWidget {
  Q_OBJECT
 public:
  explicit CurriculumView(QWidget* parent = nullptr);
  void set_timeline(CurriculumTimeline t);
  //! Shows the empty state with a hint.
  void clear(const QString& hint);
  const CurriculumTimeline& timeline() const { return timeline_; }
  //! The phase in force at `step` (index into phases), or -1.
  int phase_at(int64_t step) const;

  QSize sizeHint() const override { return {520, 280}; }
  QSize minimumSizeHint() const override { return {240, 160}; }

 protected:
  void paintEvent(QPaintEvent*) override;
  void mouseMoveEvent(QMouseEvent* e) override;

 private:
  //! Both plots together (loss above, mix below); painting and the tooltip agree on it.
  QRect plot_area() const;
  //! The step at the right edge: the run's total, or the last loss point beyond it.
  int64_t last_step() const;
  CurriculumTimeline timeline_;
  QString hint_ = "No run selected.";
};

}  // namespace r1wb::views
