// The completions panel: what an RL step trained on, sample by sample (what TRL's console
// table, W&B tables and verl's terminal viewer approximate). Under one step scrubber:
//   - a summary: accuracy, mean reward, groups whose rewards have no spread (no gradient),
//     truncated completions;
//   - every prompt's group, its completions in rows: reward components on a red-to-green
//     scale, the advantage (blue below 0, orange above), length, truncated and zero-spread
//     marks; the full text with the <think> part dimmed and the <answer> set apart, each token
//     underlaid by its log-prob, entropy or advantage (the colour-by choice);
//   - filters: all, correct, wrong, truncated, zero-spread groups; best and worst first;
//   - "follow": one prompt across every step that sampled it (RL's effect on one problem).
// The panel draws only its own copies (SampleRow, core/store/sample_rows.h); the owner loads
// the scrubbed step, or the followed prompt, when asked.
#pragma once
#include "core/store/sample_rows.h"
#include "views/inspect/scrubbed_panel.h"

#include <QString>

#include <string>
#include <vector>

namespace r1wb::views {

class CompletionsPanel : public ScrubbedPanel {
  Q_OBJECT
 public:
  enum class Filter { All, Correct, Wrong, Truncated, ZeroSpread };
  enum class ColourBy { LogProb, Entropy, Advantage };
  enum class Order { Batch, BestFirst, WorstFirst };
  explicit CompletionsPanel(QWidget* parent = nullptr);

  //! One step's completions (groups back to back) and schedules a repaint.
  void set_samples(int64_t step, std::vector<SampleRow> rows);
  //! The followed prompt at every step that sampled it (empty prompt: following nothing).
  void set_followed(std::string prompt, std::vector<SampleRow> rows);
  void clear(const QString& hint);
  void set_filter(Filter f);
  void set_colour_by(ColourBy c);
  void set_order(Order o);
  //! Follows `prompt` across steps (asks the owner through follow_requested); "" stops.
  void follow(const std::string& prompt);

  const std::vector<SampleRow>& samples() const { return rows_; }
  //! The rows the filter keeps, in the chosen order: what is drawn.
  std::vector<const SampleRow*> visible() const;
  const std::string& followed_prompt() const { return followed_; }
  const std::vector<SampleRow>& followed_rows() const { return followed_rows_; }
  int64_t step() const { return step_; }

  QSize sizeHint() const override { return {620, 360}; }

 signals:
  void follow_requested(QString prompt);

 protected:
  void draw_ui() override;

 private:
  void draw_summary();
  void draw_controls();
  void draw_header();
  void draw_row(const SampleRow& r);
  void draw_text(const SampleRow& r);
  //! Groups (by group id at one step) whose rewards are all equal.
  bool zero_spread(const SampleRow& r) const;

  std::vector<SampleRow> rows_, followed_rows_;
  std::vector<int> flat_groups_;  // group ids with no reward spread
  std::string followed_;
  int64_t step_ = -1;
  QString hint_;
  Filter filter_ = Filter::All;
  ColourBy colour_by_ = ColourBy::LogProb;
  Order order_ = Order::Batch;
};

}  // namespace r1wb::views
