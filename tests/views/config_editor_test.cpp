// The experiment editor validates as the user types: errors by path, Run off while invalid.
#include "views/experiment/config_editor.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <QAction>
#include <QListWidget>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTest>
#include <QToolButton>

namespace r1wb::views {
namespace {

using nlohmann::json;

bool any_starts_with(const QStringList& list, const QString& prefix) {
  for (const auto& s : list)
    if (s.startsWith(prefix)) return true;
  return false;
}

TEST(ConfigEditor, DemoExperimentIsValidAndRunnable) {
  ConfigEditor editor;
  editor.set_text(QString::fromStdString(test::tiny_moe().dump(2)));
  EXPECT_TRUE(editor.is_valid()) << editor.errors().join("\n").toStdString();
  EXPECT_TRUE(editor.run_enabled());
  EXPECT_TRUE(editor.run_button()->isEnabled());
  EXPECT_FALSE(editor.stop_button()->isEnabled());
}

TEST(ConfigEditor, TopKAboveExpertsShowsPathAndDisablesRunUntilFixed) {
  ConfigEditor editor;
  editor.resize(480, 560);
  editor.show();
  json doc = test::tiny_moe();
  doc["model"]["moe"]["top_k"] = 5;
  editor.set_text(QString::fromStdString(doc.dump(2)));

  EXPECT_FALSE(editor.is_valid());
  EXPECT_TRUE(editor.errors().contains("model.moe.top_k: 5 exceeds model.moe.num_experts (4)"))
      << editor.errors().join("\n").toStdString();
  EXPECT_FALSE(editor.run_enabled());
  EXPECT_FALSE(editor.run_button()->isEnabled());
  auto* list = editor.findChild<QListWidget*>("config_errors");
  ASSERT_NE(list, nullptr);
  EXPECT_TRUE(list->isVisible());
  ASSERT_GE(list->count(), 1);
  EXPECT_EQ(list->item(0)->text().toStdString(), "model.moe.top_k: 5 exceeds model.moe.num_experts (4)");
  EXPECT_FALSE(editor.text_edit()->extraSelections().isEmpty()) << "the offending line is marked";
  QTest::qWait(20);  // let the layout settle before the screenshot
  EXPECT_TRUE(editor.grab().save(test::screenshot_path("config_editor_invalid.png")));

  doc["model"]["moe"]["top_k"] = 2;
  editor.set_text(QString::fromStdString(doc.dump(2)));
  EXPECT_TRUE(editor.is_valid());
  EXPECT_TRUE(editor.run_button()->isEnabled());
  EXPECT_FALSE(list->isVisible());
  EXPECT_TRUE(editor.text_edit()->extraSelections().isEmpty());
}

TEST(ConfigEditor, UnknownKeyShowsItsPath) {
  ConfigEditor editor;
  json doc = test::tiny_moe();
  doc["model"]["moe"]["num_expert"] = 8;
  editor.set_text(QString::fromStdString(doc.dump(2)));
  EXPECT_FALSE(editor.run_enabled());
  EXPECT_TRUE(any_starts_with(editor.errors(), "model.moe.num_expert: unknown key"))
      << editor.errors().join("\n").toStdString();
}

TEST(ConfigEditor, SyntaxErrorNamesTheLine) {
  ConfigEditor editor;
  editor.set_text("{\n  \"name\": \"x\"\n  \"model\": {}\n}\n");
  EXPECT_FALSE(editor.run_enabled());
  ASSERT_EQ(editor.errors().size(), 1);
  EXPECT_TRUE(editor.errors().front().startsWith("invalid JSON at line 3")) << editor.errors().front().toStdString();
}

TEST(ConfigEditor, TypingRevalidatesAfterTheDebounce) {
  ConfigEditor editor;
  editor.show();
  json doc = test::tiny_moe();
  doc["model"]["moe"]["top_k"] = 2;
  editor.set_text(QString::fromStdString(doc.dump(2)));
  ASSERT_TRUE(editor.run_enabled());

  // Type a 5 in front of the top_k value, as a user would: "2" becomes "52".
  QPlainTextEdit* edit = editor.text_edit();
  const int at = edit->toPlainText().indexOf("\"top_k\": 2") + int(QString("\"top_k\": ").size());
  QTextCursor c = edit->textCursor();
  c.setPosition(at);
  edit->setTextCursor(c);
  edit->setFocus();
  QTest::keyClicks(edit, "5");
  EXPECT_TRUE(edit->toPlainText().contains("\"top_k\": 52"));
  EXPECT_TRUE(editor.run_enabled()) << "validation waits for the debounce";
  QTest::qWait(ConfigEditor::kDebounceMs + 150);
  EXPECT_FALSE(editor.run_enabled());
  EXPECT_TRUE(editor.errors().contains("model.moe.top_k: 52 exceeds model.moe.num_experts (4)"))
      << editor.errors().join("\n").toStdString();

  QTest::keyClick(edit, Qt::Key_Backspace);  // back to "2"
  QTest::qWait(ConfigEditor::kDebounceMs + 150);
  EXPECT_TRUE(editor.run_enabled()) << editor.errors().join("\n").toStdString();
}

TEST(ConfigEditor, RunQueuesWhileStopFollowsTheWindow) {
  ConfigEditor editor;
  editor.set_text(QString::fromStdString(test::tiny_moe().dump(2)));
  int requested = 0;
  QObject::connect(&editor, &ConfigEditor::run_requested, [&] { ++requested; });
  EXPECT_FALSE(editor.stop_button()->isEnabled());
  editor.set_stop_enabled(true);
  EXPECT_TRUE(editor.stop_button()->isEnabled());
  editor.run_button()->click();
  editor.run_button()->click();
  EXPECT_EQ(requested, 2) << "a second run queues behind the first";
  editor.text_edit()->setPlainText("{");
  editor.run_button()->click();
  EXPECT_EQ(requested, 2) << "an invalid document does not run";
}

}  // namespace
}  // namespace r1wb::views

namespace r1wb::views {

TEST(ConfigEditor, AnRlPresetMakesAnRlExperimentInOneUndoableEdit) {
  ConfigEditor editor;
  auto doc = test::tiny_moe();
  doc["init"]["run"] = "runs/base";
  editor.set_text(QString::fromStdString(doc.dump(2)));
  const QString before = editor.text();
  QAction* dapo = nullptr;
  for (QAction* a : editor.rl_preset_button()->menu()->actions())
    if (a->text() == "DAPO") dapo = a;
  ASSERT_TRUE(dapo);
  dapo->trigger();
  ASSERT_TRUE(editor.is_valid()) << editor.errors().join("\n").toStdString();
  EXPECT_EQ(editor.result().experiment.stage, Stage::Rl);
  EXPECT_DOUBLE_EQ(editor.result().experiment.rl.eps_high, 0.28);
  EXPECT_TRUE(editor.result().experiment.rl.dynamic_sampling);
  EXPECT_EQ(editor.result().experiment.model.d_model, doc["model"]["d_model"].get<int>()) << "the rest is kept";
  QTest::mouseClick(editor.undo_button(), Qt::LeftButton);
  EXPECT_EQ(editor.text(), before);
}

}  // namespace r1wb::views
