// The compression view on a lineage whose reports are on disk: every run of the family with
// each of its variants, sizes against the lineage's float model, a damaged report named, and
// the heatmap following the selected row. Then end to end: Run > Compare compression on a real
// finished run, its QAT fine-tune and its pruned model (each made with one click) measures the
// three through the runner, with progress, and fills the table.
#include "views/compress/compression_view.h"
#include "test_support.h"
#include "views/compress/error_heatmap.h"
#include "views/experiment/config_editor.h"
#include "views/runs/run_list.h"
#include "window_support.h"

#include <gtest/gtest.h>

#include <QDir>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <fstream>

namespace r1wb::views {
namespace {

RunRow run_row(int64_t id, const QString& dir, const std::string& name, const nlohmann::json& config) {
  RunRow r;
  r.id = id, r.name = name, r.experiment = name, r.run_dir = dir.toStdString(), r.config_json = config.dump();
  return r;
}

CompressionVariant variant(const std::string& name, int64_t bytes, double loss, int layers, double scale) {
  CompressionVariant v;
  v.name = name, v.quant = name, v.bytes = bytes, v.parameters = 1000, v.accuracy = 0.9 - loss, v.loss = loss;
  v.tokens_per_s = 5000;
  if (scale > 0) {
    v.errors.matrices = {"attn.qkv", "attn.proj", "mlp.w_gate", "mlp.w_up", "mlp.w_down", "moe.w_down"};
    for (int l = 0; l < layers; ++l) {
      std::vector<double> row;
      for (int c = 0; c < 6; ++c) row.push_back(c == 5 && l == 0 ? std::nan("") : scale * (1 + 0.3 * c + 0.1 * l));
      v.errors.weight.push_back(row);
      v.errors.output.push_back(scale * 0.5 * (l + 1));
    }
  }
  return v;
}

void write_report(const QString& dir, int64_t step, std::vector<CompressionVariant> variants) {
  CompressionReport r;
  r.run_dir = dir.toStdString(), r.experiment = "base", r.device = "cpu", r.step = step;
  r.loss_kind = "reference loss (256 held-out prompts)";
  r.variants = std::move(variants);
  write_compression_report(compression_report_path(r.run_dir), r);
}

}  // namespace

TEST(CompressionView, ShowsTheLineageSideBySideNamesADamagedReportAndMapsTheSelectedVariant) {
  QTemporaryDir dir;
  const QString base = dir.filePath("base"), qat = dir.filePath("qat"), student = dir.filePath("student"),
                other = dir.filePath("other");
  const std::vector<RunRow> runs = {
      run_row(1, base, "base", {{"name", "base"}}),
      run_row(2, qat, "base-qat",
              {{"stage", "sft"}, {"init", {{"run", base.toStdString()}}}, {"quant", {{"weights", "int4"}}}}),
      run_row(3, student, "base-distilled", {{"stage", "distill"}, {"distill", {{"teacher", base.toStdString()}}}}),
      run_row(4, other, "other", {{"name", "other"}}),
  };
  write_report(base, 600,
               {variant("float", 8000000, 0.0060, 4, 0), variant("int8 PTQ", 2100000, 0.0061, 4, 0.004),
                variant("int4-g32 PTQ", 1300000, 0.0084, 4, 0.08)});
  write_report(qat, 150, {variant("int4-g32 (trained)", 1300000, 0.0066, 4, 0.07)});
  QDir().mkpath(student + "/compression");
  std::ofstream((student + "/compression/report.json").toStdString()) << "{\"format\": \"r1wb-compression-re";

  CompressionView view(runs, 1, "/nonexistent/r1wb-run");
  view.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));
  auto* t = view.table();
  ASSERT_EQ(t->rowCount(), 5);  // 3 variants of base, 1 of the QAT run, the student's damaged report
  EXPECT_EQ(t->item(0, 0)->text(), "base");
  EXPECT_EQ(t->item(1, 2)->text(), "int8 PTQ");
  EXPECT_EQ(t->item(2, 5)->text(), "6.15x");  // 8.0 MB / 1.3 MB
  EXPECT_EQ(t->item(3, 1)->text(), "QAT int4-g32");
  EXPECT_EQ(t->item(3, 2)->text(), "int4-g32 (trained)");
  EXPECT_EQ(t->item(3, 7)->text(), "0.0066");
  EXPECT_EQ(t->item(4, 1)->text(), "distilled (forward_kl)");
  EXPECT_TRUE(t->item(4, 2)->text().contains(student + "/compression/report.json")) << t->item(4, 2)->text().toStdString();
  EXPECT_TRUE(view.measure_missing_button()->text().contains("1 run")) << view.measure_missing_button()->text().toStdString();
  EXPECT_TRUE(view.status_label()->text().contains(student + "/compression/report.json: not JSON"))
      << view.status_label()->text().toStdString();

  // The first quantized variant is mapped; another row maps its own.
  EXPECT_EQ(t->currentRow(), 1);
  ASSERT_EQ(view.heatmap()->errors().weight.size(), 4u);
  EXPECT_DOUBLE_EQ(view.heatmap()->errors().weight[1][0], 0.004 * 1.1);
  t->setCurrentCell(3, 2);
  EXPECT_DOUBLE_EQ(view.heatmap()->errors().output[3], 0.07 * 0.5 * 4);
  t->setCurrentCell(2, 2);
  QTest::qWait(100);
  view.grab().save(test::screenshot_path("compression-view-fixture.png"));
  t->setCurrentCell(0, 2);
  EXPECT_TRUE(view.heatmap()->errors().empty());  // float: nothing rounded

  // A runner that does not start is said so.
  QTest::mouseClick(view.measure_missing_button(), Qt::LeftButton);
  ASSERT_TRUE(QTest::qWaitFor([&] { return !view.busy(); }, 10000));
  EXPECT_TRUE(view.status_label()->text().contains("did not start")) << view.status_label()->text().toStdString();
}

TEST(CompressionView, ShowsTheCompressionPipelinesReportsAsMeasured) {
  // The runs and reports experiments/compression_pipeline.sh made (configs and reports kept
  // as fixtures; their relative init.run and distill.teacher made absolute here).
  const QString root = test::source_path("tests/views/fixtures/compression-lineage");
  std::vector<RunRow> runs;
  int64_t id = 0;
  for (const char* name : {"distill-teacher", "compress-finetune", "compress-qat", "compress-pruned", "distill-logits"}) {
    std::ifstream in((root + "/" + name + "/config.json").toStdString());
    auto config = nlohmann::json::parse(in);
    if (config["init"]["run"] == "distill-teacher") config["init"]["run"] = (root + "/distill-teacher").toStdString();
    if (config.contains("distill")) config["distill"]["teacher"] = (root + "/distill-teacher").toStdString();
    runs.push_back(run_row(++id, root + "/" + name, name, config));
  }
  CompressionView view(runs, 0, "/nonexistent/r1wb-run");
  view.resize(1150, 1250);  // every row in the picture
  view.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));
  auto* t = view.table();
  ASSERT_EQ(t->rowCount(), 6 + 6 + 1 + 6 + 6);  // float + 5 grids for each float run, the QAT run's own
  EXPECT_TRUE(view.status_label()->text().isEmpty()) << view.status_label()->text().toStdString();
  EXPECT_EQ(t->item(6, 1)->text(), "sft");
  EXPECT_EQ(t->item(12, 1)->text(), "QAT int4-g32");
  EXPECT_EQ(t->item(13, 1)->text(), "pruned (experts 128 wide)");
  EXPECT_EQ(t->item(19, 1)->text(), "distilled (forward_kl)");
  EXPECT_EQ(t->item(2, 2)->text(), "int4-g32 PTQ");
  EXPECT_EQ(t->item(2, 5)->text(), "5.80x");  // 7,483,904 / 1,290,752 bytes
  t->setCurrentCell(2, 2);
  ASSERT_EQ(view.heatmap()->errors().weight.size(), 4u);
  QTest::qWait(100);
  view.grab().save(test::screenshot_path("compression-view-pipeline.png"));
}

TEST(CompressionView, MeasuresARealLineageMadeFromTheRunMenuThroughTheRunner) {
  if (!runner_built()) GTEST_SKIP() << "r1wb-run is not built";
  QTemporaryDir dir;
  auto w = open_shown(temp_options(dir));
  ASSERT_TRUE(w);
  auto doc = short_run(30);
  doc["rl"]["eval_prompts"] = 32;
  doc["rl"]["max_new_tokens"] = 24;
  w->editor()->set_text(QString::fromStdString(doc.dump(2)));
  QTest::mouseClick(w->editor()->run_button(), Qt::LeftButton);
  ASSERT_TRUE(wait_for_run_end(*w, 120000));
  const int64_t base = w->last_started_run();
  // Its QAT fine-tune and its pruned model, each one click away and started with Run.
  for (const char* action : {"quantize", "prune"}) {
    w->run_list()->select_run(base);
    w->action(action)->trigger();
    QTest::mouseClick(w->editor()->run_button(), Qt::LeftButton);
    ASSERT_TRUE(wait_for_run_end(*w, 120000)) << action;
    ASSERT_NE(w->last_started_run(), base);
    const auto run = w->store().run(w->last_started_run());
    ASSERT_TRUE(run);
    EXPECT_EQ(run->status, RunStatus::Completed) << action << ": " << run->message;
  }
  w->refresh();
  w->run_list()->select_run(base);
  w->action("compression")->trigger();
  auto* v = w->compression_view();
  ASSERT_NE(v, nullptr);
  ASSERT_TRUE(QTest::qWaitForWindowExposed(v));
  ASSERT_EQ(v->table()->rowCount(), 3);
  EXPECT_EQ(v->table()->item(0, 2)->text(), "not measured");
  QTest::mouseClick(v->measure_missing_button(), Qt::LeftButton);
  EXPECT_TRUE(v->busy());
  ASSERT_TRUE(QTest::qWaitFor([&] { return !v->busy(); }, 240000));
  EXPECT_TRUE(v->status_label()->text().isEmpty()) << v->status_label()->text().toStdString();
  ASSERT_EQ(v->table()->rowCount(), 9);  // float, int8, int4-g32, 8da4w-g32; the QAT run; the pruned run's four
  EXPECT_EQ(v->table()->item(0, 2)->text(), "float");
  EXPECT_EQ(v->table()->item(0, 5)->text(), "1.00x");
  EXPECT_EQ(v->table()->item(3, 2)->text(), "8da4w-g32 PTQ");
  EXPECT_EQ(v->table()->item(4, 1)->text(), "QAT int4-g32");
  EXPECT_EQ(v->table()->item(4, 2)->text(), "int4-g32 (trained)");
  EXPECT_EQ(v->table()->item(5, 1)->text(), "pruned (experts 64 wide)");
  EXPECT_EQ(v->table()->item(5, 2)->text(), "float");
  EXPECT_EQ(v->table()->item(7, 2)->text(), "int4-g32 PTQ");
  const double pruned_smaller = v->table()->item(5, 5)->text().chopped(1).toDouble();
  EXPECT_GT(pruned_smaller, 1.2) << "half the expert width";
  EXPECT_LT(pruned_smaller, 2.0);
  v->table()->setCurrentCell(2, 2);
  EXPECT_EQ(v->heatmap()->errors().weight.size(), 2u);
  QTest::qWait(100);
  v->grab().save(test::screenshot_path("compression-view.png"));
}

}  // namespace r1wb::views
