// The completions panel on a real RL run started from the window: the RL pipeline's base
// (experiments/rl-base.json, 500 steps), then its GRPO preset for 4 steps from that run's
// directory (init.run). The panel holds the scrubbed
// step's completions, its filters split them (correct + wrong = all), following a prompt
// gathers it across the steps that sampled it, and the screenshots show it. The run browser
// names the RL run's parent, and "continue as RL" derives a later stage from a run.
#include "test_support.h"
#include "views/charts/chart_panel.h"
#include "views/experiment/config_editor.h"
#include "views/inspect/completions_panel.h"
#include "views/runs/run_list.h"
#include "window_support.h"

#include <gtest/gtest.h>

#include <QAction>
#include <QMenu>
#include <QPushButton>
#include <QTabWidget>

#include <fstream>

namespace r1wb::views {
namespace {
json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}
}  // namespace

TEST(Completions, APanelOfARealRlRunFiltersScrubsAndFollowsAPrompt) {
  QTemporaryDir dir;
  QString error;
  auto window = MainWindow::open(temp_options(dir), &error);
  ASSERT_TRUE(window) << error.toStdString();
  window->show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(window.get()));
  json base = read_json(test::source_path("experiments/rl-base.json").toStdString());  // the pipeline's own
  window->editor()->set_text(QString::fromStdString(base.dump(2)));
  QTest::mouseClick(window->editor()->run_button(), Qt::LeftButton);
  ASSERT_TRUE(wait_for_run_end(*window, 120000));
  const auto parent = window->store().run(window->last_started_run());
  ASSERT_TRUE(parent && parent->status == RunStatus::Completed);

  json rl = read_json(test::source_path("experiments/rl-grpo.json").toStdString());
  rl["init"]["run"] = parent->run_dir;
  rl["train"]["steps"] = 4;
  rl["train"]["warmup_steps"] = 0;  // the preset warms up for 20 steps; this run is 4 long
  rl["train"]["batch_size"] = 16;
  rl["train"]["grad_accum"] = 1;
  rl["rl"]["rollouts_every"] = 2;
  rl["rl"]["eval_prompts"] = 16;
  rl["rl"]["eval_every"] = 2;
  window->editor()->set_text(QString::fromStdString(rl.dump(2)));
  ASSERT_TRUE(window->editor()->is_valid()) << window->editor()->errors().join("\n").toStdString();
  QTest::mouseClick(window->editor()->run_button(), Qt::LeftButton);
  ASSERT_TRUE(wait_for_run_end(*window, 120000));
  const int64_t run = window->last_started_run();
  ASSERT_EQ(window->store().run(run)->status, RunStatus::Completed) << window->store().run(run)->message;
  // The run browser shows the lineage: the RL run's parent is the base run.
  int rl_row = -1;
  for (int i = 0; i < window->run_list()->topLevelItemCount(); ++i)
    if (window->run_list()->cell(i, RunList::Name).toStdString() == window->store().run(run)->name) rl_row = i;
  ASSERT_GE(rl_row, 0);
  EXPECT_EQ(window->run_list()->cell(rl_row, RunList::Parent).toStdString(), parent->name);
  window->run_list()->select_run(run);
  auto* panel = window->completions();
  window->inspect_tabs()->setCurrentWidget(panel);
  window->refresh();
  QTest::qWait(300);

  EXPECT_EQ(panel->steps(), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(panel->step(), 4);
  ASSERT_EQ(panel->samples().size(), 16u);
  // The RL chart preset: reward with accuracy, pass@1 and pass@k on one axis.
  QAction* preset = nullptr;  // the + menu's Presets submenu, as a user picks it
  for (QAction* a : window->chart_panel()->presets_menu()->actions())
    if (a->text() == "RL: reward and accuracy") preset = a;
  ASSERT_TRUE(preset);
  preset->trigger();
  window->refresh();
  QTest::qWait(200);
  EXPECT_EQ(window->chart_panel()->drawn_metrics(),
            (QStringList{"reward", "rewards/accuracy/mean", "eval/accuracy", "eval/pass@k"}));
  size_t correct = 0, wrong = 0;
  panel->set_filter(CompletionsPanel::Filter::Correct);
  correct = panel->visible().size();
  panel->set_filter(CompletionsPanel::Filter::Wrong);
  wrong = panel->visible().size();
  EXPECT_EQ(correct + wrong, 16u);
  panel->set_filter(CompletionsPanel::Filter::All);
  panel->set_order(CompletionsPanel::Order::BestFirst);
  const auto best = panel->visible();
  for (size_t i = 1; i < best.size(); ++i) EXPECT_GE(best[i - 1]->reward, best[i]->reward);
  window->grab().save(test::screenshot_path("completions-best-first.png"));
  panel->set_order(CompletionsPanel::Order::Batch);

  panel->scrub_to(2);
  QTest::qWait(300);
  EXPECT_EQ(panel->step(), 2);
  const std::string prompt = panel->samples().front().prompt;
  panel->follow(prompt);
  QTest::qWait(300);
  window->refresh();
  QTest::qWait(200);
  EXPECT_EQ(panel->followed_prompt(), prompt);
  size_t of_prompt = 0;
  for (const auto& r : panel->followed_rows()) {
    EXPECT_EQ(r.prompt, prompt);
    of_prompt += 1;
  }
  window->grab().save(test::screenshot_path("completions-follow.png"));
  panel->follow("");
  window->refresh();
  QTest::qWait(200);
  window->grab().save(test::screenshot_path("completions.png"));
  EXPECT_GE(of_prompt, 4u);

  // "Continue the selected run as RL" on the base: the editor holds an rl stage from it.
  window->run_list()->select_run(parent->id);
  window->action("continue_rl")->trigger();
  window->editor()->validate_now();
  ASSERT_TRUE(window->editor()->is_valid()) << window->editor()->errors().join("\n").toStdString();
  EXPECT_EQ(window->editor()->result().experiment.stage, Stage::Rl);
  EXPECT_EQ(window->editor()->result().experiment.init.run, parent->run_dir);

  // "Distil the selected run into a smaller student": a distill stage with it as the teacher.
  window->action("distill")->trigger();
  window->editor()->validate_now();
  ASSERT_TRUE(window->editor()->is_valid()) << window->editor()->errors().join("\n").toStdString();
  const auto& student = window->editor()->result().experiment;
  EXPECT_EQ(student.stage, Stage::Distill);
  EXPECT_EQ(student.distill.teacher, parent->run_dir);
  EXPECT_LT(student.model.d_model, validate_experiment(nlohmann::json::parse(parent->config_json)).experiment.model.d_model);
  window->grab().save(test::screenshot_path("distill-editor.png"));

  // "Quantize the selected run": a quantization-aware fine-tune from it.
  window->action("quantize")->trigger();
  window->editor()->validate_now();
  ASSERT_TRUE(window->editor()->is_valid()) << window->editor()->errors().join("\n").toStdString();
  EXPECT_EQ(window->editor()->result().experiment.quant.weights, WeightQuant::Int4);
  EXPECT_EQ(window->editor()->result().experiment.init.run, parent->run_dir);

  // "Prune the selected run's FFNs": narrower FFNs taken from it by magnitude.
  window->action("prune")->trigger();
  window->editor()->validate_now();
  ASSERT_TRUE(window->editor()->is_valid()) << window->editor()->errors().join("\n").toStdString();
  EXPECT_EQ(window->editor()->result().experiment.init.prune, FfnPrune::Magnitude);
  EXPECT_EQ(window->editor()->result().experiment.init.run, parent->run_dir);
}

}  // namespace r1wb::views
