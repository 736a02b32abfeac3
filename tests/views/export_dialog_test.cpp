// Run > Export on a real finished run: the dialog exports through the runner, shows the
// result with its size, lists the run's exports from the store, checks a GGUF export with a
// real llama.cpp (npm's node-llama-cpp, installed by scripts/install-test-consumers.sh) and
// shows its verdict, says how to get llama.cpp where there is none, and shows a refusal in words.
#include "views/runs/export_dialog.h"
#include "test_support.h"
#include "views/experiment/config_editor.h"
#include "views/runs/run_list.h"
#include "window_support.h"

#include <gtest/gtest.h>

#include <QComboBox>
#include <QDir>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

namespace r1wb::views {
namespace {

TEST(ExportDialog, ExportsTheSelectedRunShowsItsSizeAndListsItFromTheStore) {
  if (!runner_built()) GTEST_SKIP() << "r1wb-run is not built";
  QTemporaryDir dir;
  auto w = open_shown(temp_options(dir));
  ASSERT_TRUE(w);
  w->editor()->set_text(QString::fromStdString(short_run(10).dump(2)));
  QTest::mouseClick(w->editor()->run_button(), Qt::LeftButton);
  ASSERT_TRUE(wait_for_run_end(*w, 120000));
  const int64_t id = w->last_started_run();
  w->run_list()->select_run(id);
  w->action("export")->trigger();
  auto* d = w->export_dialog();
  ASSERT_NE(d, nullptr);
  ASSERT_TRUE(QTest::qWaitForWindowExposed(d));

  // safetensors int8, then GGUF q4_0.
  d->format_box()->setCurrentIndex(d->format_box()->findData("safetensors"));
  d->type_box()->setCurrentText("int8");
  EXPECT_FALSE(d->check_box()->isEnabled()) << "llama.cpp reads GGUF, not safetensors";
  QTest::mouseClick(d->export_button(), Qt::LeftButton);
  EXPECT_FALSE(d->export_button()->isEnabled()) << "one export at a time";
  ASSERT_TRUE(QTest::qWaitFor([&] { return !d->busy(); }, 60000));
  EXPECT_TRUE(d->result_text().contains("Exported")) << d->result_text().toStdString();
  EXPECT_TRUE(d->result_text().contains("KiB")) << d->result_text().toStdString();
  const auto run = w->store().run(id);
  ASSERT_TRUE(run);
  EXPECT_TRUE(QDir(QString::fromStdString(run->run_dir) + "/exports/tiny-moe-step10-int8").exists());

  EXPECT_TRUE(d->check_text().isEmpty()) << "no llama.cpp check of a safetensors folder";

  // GGUF q4_0, then llama.cpp's verdict on it.
  qputenv("R1WB_LLAMA_CPP", R1WB_TEST_DEPS "/llama-cpp");
  d->format_box()->setCurrentIndex(d->format_box()->findData("gguf"));
  d->type_box()->setCurrentText("q4_0");
  EXPECT_TRUE(d->check_box()->isEnabled() && d->check_box()->isChecked());
  QTest::mouseClick(d->export_button(), Qt::LeftButton);
  ASSERT_TRUE(QTest::qWaitFor([&] { return !d->busy(); }, 120000));
  EXPECT_TRUE(d->result_text().contains("tiny-moe-step10-q4_0.gguf")) << d->result_text().toStdString();
  EXPECT_TRUE(d->check_text().contains("llama.cpp check passed")) << d->check_text().toStdString();
  EXPECT_TRUE(d->check_text().contains("bound 5.0e-02 for q4_0")) << d->check_text().toStdString();
  const auto listed = w->store().exports(id);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].path, "exports/tiny-moe-step10-int8");
  EXPECT_EQ(listed[1].type, "q4_0");
  QTest::qWait(100);
  d->grab().save(test::screenshot_path("export-dialog.png"));

  // Where there is no llama.cpp the export stands and the verdict says how to install one.
  QTemporaryDir nowhere;
  qputenv("R1WB_LLAMA_CPP", nowhere.path().toUtf8());
  d->type_box()->setCurrentText("f32");
  QTest::mouseClick(d->export_button(), Qt::LeftButton);
  ASSERT_TRUE(QTest::qWaitFor([&] { return !d->busy(); }, 120000));
  qunsetenv("R1WB_LLAMA_CPP");
  EXPECT_TRUE(d->result_text().contains("tiny-moe-step10-f32.gguf")) << d->result_text().toStdString();
  EXPECT_TRUE(d->check_text().contains("not run")) << d->check_text().toStdString();
  EXPECT_TRUE(d->check_text().contains("npm install --prefix")) << d->check_text().toStdString();

  // A checkpoint the run does not have: the runner's refusal, in the dialog.
  d->step_box()->setValue(7);
  QTest::mouseClick(d->export_button(), Qt::LeftButton);
  ASSERT_TRUE(QTest::qWaitFor([&] { return !d->busy(); }, 60000));
  EXPECT_TRUE(d->result_text().contains("Not exported")) << d->result_text().toStdString();
  EXPECT_EQ(w->store().exports(id).size(), 3u);
}

}  // namespace
}  // namespace r1wb::views
