// The form beside the JSON: both show the same document whichever one is edited, an invalid
// value is marked on its field and disables Run, Undo/Redo cover form edits, Derive lists
// the changes against the parent, and the cost line follows the document.
#include "views/experiment/config_form.h"
#include "core/jobs/progress_estimate.h"
#include "test_support.h"
#include "views/experiment/config_editor.h"

#include <gtest/gtest.h>

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTest>

namespace r1wb::views {
namespace {

using nlohmann::json;

json text_doc(const ConfigEditor& e) { return json::parse(e.text().toStdString()); }

template <typename W>
W* field(ConfigEditor& e, const char* path) {
  auto* w = qobject_cast<W*>(e.form()->field_widget(path));
  EXPECT_TRUE(w) << path;
  return w;
}

struct Shown : ::testing::Test {
  ConfigEditor editor;
  void SetUp() override {
    editor.resize(900, 640);
    QFile f(test::source_path("experiments/tiny-moe.json"));  // the user's own text and key order
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    editor.set_text(QString::fromUtf8(f.readAll()), "tiny-moe.json");
    editor.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&editor));
  }
};

TEST_F(Shown, FormAndJsonStayInSyncBothWays) {
  auto* top_k = field<QSpinBox>(editor, "model.moe.top_k");
  auto* lr = field<QLineEdit>(editor, "train.lr");
  auto* amp = field<QComboBox>(editor, "train.lr_schedule");
  EXPECT_EQ(top_k->value(), 2) << "the form shows the document's value";
  EXPECT_EQ(lr->text(), "0.003");
  EXPECT_EQ(amp->currentText(), "cosine") << "an absent field shows its default";

  // Form -> text: a real edit in the spin box.
  top_k->setFocus();
  QTest::keyClick(top_k, Qt::Key_Down);
  EXPECT_EQ(text_doc(editor)["model"]["moe"]["top_k"], 1);
  EXPECT_EQ(editor.result().experiment.model.moe.top_k, 1);
  EXPECT_EQ(text_doc(editor)["model"]["d_model"], 64) << "the rest of the document is kept";
  EXPECT_EQ(editor.text().indexOf("\"name\""), editor.text().indexOf('"')) << "key order is the user's, not sorted";
  amp->setCurrentText("wsd");
  EXPECT_EQ(text_doc(editor)["train"]["lr_schedule"], "wsd");
  lr->setFocus();
  lr->selectAll();
  QTest::keyClicks(lr, "0.001");
  QTest::keyClick(lr, Qt::Key_Return);
  EXPECT_DOUBLE_EQ(text_doc(editor)["train"]["lr"].get<double>(), 0.001);

  // Text -> form: typing in the JSON updates the field after the debounce.
  json doc = text_doc(editor);
  doc["train"]["steps"] = 123;
  editor.text_edit()->setPlainText(QString::fromStdString(doc.dump(2)));
  QTest::qWait(ConfigEditor::kDebounceMs + 100);
  EXPECT_EQ(field<QSpinBox>(editor, "train.steps")->value(), 123);
  editor.grab().save(test::screenshot_path("config-form.png"));
}

TEST_F(Shown, InvalidValueIsMarkedOnItsFieldAndDisablesRun) {
  auto* top_k = field<QSpinBox>(editor, "model.moe.top_k");
  top_k->setValue(3);
  EXPECT_TRUE(editor.run_enabled());
  top_k->setValue(7);  // above num_experts (4)
  EXPECT_FALSE(editor.run_enabled());
  EXPECT_FALSE(editor.run_button()->isEnabled());
  EXPECT_TRUE(editor.form()->field_marked("model.moe.top_k"));
  EXPECT_TRUE(editor.form()->field_error("model.moe.top_k").contains("exceeds model.moe.num_experts"))
      << editor.form()->field_error("model.moe.top_k").toStdString();
  EXPECT_FALSE(editor.form()->field_marked("model.d_model"));
  // A number field given text: the document takes it, validation names the field.
  auto* lr = field<QLineEdit>(editor, "train.lr");
  lr->setFocus();
  lr->selectAll();
  QTest::keyClicks(lr, "fast");
  QTest::keyClick(lr, Qt::Key_Return);
  EXPECT_TRUE(editor.form()->field_marked("train.lr"));
  editor.grab().save(test::screenshot_path("config-form-invalid.png"));
  // Broken JSON disables the form until the text parses again.
  editor.text_edit()->setPlainText("{ \"model\": ");
  editor.validate_now();
  EXPECT_FALSE(editor.form()->isEnabled());
}

TEST_F(Shown, UndoAndRedoWalkThroughFormEdits) {
  auto* top_k = field<QSpinBox>(editor, "model.moe.top_k");
  auto* steps = field<QSpinBox>(editor, "train.steps");
  top_k->setValue(1);
  steps->setValue(50);
  ASSERT_TRUE(editor.undo_button()->isEnabled());
  editor.undo_button()->click();
  EXPECT_EQ(text_doc(editor)["train"]["steps"], 400);
  EXPECT_EQ(steps->value(), 400) << "the form follows the undone text";
  EXPECT_EQ(text_doc(editor)["model"]["moe"]["top_k"], 1) << "one undo takes back one form edit";
  editor.undo_button()->click();
  EXPECT_EQ(top_k->value(), 2);
  ASSERT_TRUE(editor.redo_button()->isEnabled());
  editor.redo_button()->click();
  EXPECT_EQ(top_k->value(), 1);
  EXPECT_EQ(text_doc(editor)["model"]["moe"]["top_k"], 1);
}

TEST_F(Shown, DeriveListsEveryChangeAgainstTheParent) {
  EXPECT_TRUE(editor.diff().isEmpty());
  editor.derive_button()->click();
  EXPECT_EQ(text_doc(editor)["name"], "tiny-moe-derived");
  field<QSpinBox>(editor, "model.moe.num_experts")->setValue(8);
  field<QCheckBox>(editor, "model.tie_embeddings")->setChecked(false);
  const QStringList diff = editor.diff();
  EXPECT_TRUE(diff.contains("model.moe.num_experts: 4 -> 8")) << diff.join("\n").toStdString();
  EXPECT_TRUE(diff.contains("model.tie_embeddings: (none) -> false")) << diff.join("\n").toStdString();
  EXPECT_TRUE(diff.contains("name: \"tiny-moe\" -> \"tiny-moe-derived\"")) << diff.join("\n").toStdString();
  EXPECT_EQ(diff.size(), 3);
  editor.grab().save(test::screenshot_path("config-derive.png"));
}

TEST_F(Shown, CostLineFollowsTheDocumentAndTheMeasuredThroughput) {
  const RunCost c = run_cost(editor.result().experiment);
  EXPECT_TRUE(editor.cost_text().startsWith("params " + QString::fromStdString(si_number(double(c.model.params)))))
      << editor.cost_text().toStdString();
  EXPECT_TRUE(editor.cost_text().contains("no run finished on this machine")) << editor.cost_text().toStdString();
  const QString before = editor.cost_text();
  field<QSpinBox>(editor, "model.moe.num_experts")->setValue(8);
  EXPECT_NE(editor.cost_text(), before) << "more experts: more parameters";
  // 1 GFLOP/s measured: the estimate is total FLOPs / 1e9 seconds.
  editor.set_throughput(Throughput{1e9, 3});
  const RunCost c8 = run_cost(editor.result().experiment);
  EXPECT_TRUE(editor.cost_text().contains(QString::fromStdString(format_duration(c8.total_flops / 1e9))))
      << editor.cost_text().toStdString();
  EXPECT_TRUE(editor.cost_text().contains("measured over 3 runs")) << editor.cost_text().toStdString();
}

}  // namespace
}  // namespace r1wb::views
