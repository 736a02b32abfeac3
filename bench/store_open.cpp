// r1wb-bench-store-open: how long the workbench takes from start to its first painted window
// on a large store (issue target: 1,000 runs and 10 million metric rows open in under a
// second). Generates the store once (RUNS runs x STEPS steps x 10 metrics, through the same
// ingest the runner's records take), then times, in a fresh window each of REPEATS times:
// opening the store and building the window (run list, newest run's chart series and
// heatmap), and showing it until painted. Runs without a display (QT_QPA_PLATFORM=offscreen).
// Usage: r1wb-bench-store-open [DB] [RUNS] [STEPS] [REPEATS]
#include "core/store/store.h"
#include "views/charts/metric_chart.h"
#include "views/shell/main_window.h"

#include <QApplication>
#include <QFile>
#include <QTest>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

const char* kMetrics[] = {"train/loss",        "train/lr",          "train/grad_norm",  "train/tokens",
                          "perf/tokens_per_s", "perf/forward_ms",   "perf/backward_ms", "perf/optimizer_ms",
                          "train/aux_loss",    "moe/max_load_ratio"};

void generate(const std::string& path, int runs, int steps) {
  r1wb::Store store(path);
  const auto start = Clock::now();
  for (int r = 0; r < runs; ++r) {
    const auto id =
        store.create_run(store.next_run_name("bench"), "bench", "{}", "/bench/" + std::to_string(r), "bench");
    std::vector<r1wb::wire::Record> records;
    records.reserve(size_t(steps));
    for (int64_t s = 1; s <= steps; ++s) {
      r1wb::wire::Metrics m{s, 1.7e9 + double(s), {}};
      for (size_t k = 0; k < std::size(kMetrics); ++k)
        m.values.emplace_back(kMetrics[k], (k + 1) * std::exp(-double(s) / steps) + 0.01 * double(r % 7));
      records.push_back({uint64_t(s), m});
    }
    store.ingest(id, records);
    store.set_status(id, r1wb::RunStatus::Completed);
    if ((r + 1) % 100 == 0)
      std::fprintf(stderr, "generating: %d of %d runs, %.0f s\n", r + 1, runs, ms_since(start) / 1000.0);
  }
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  const std::string path = argc > 1 ? argv[1] : "/tmp/r1wb-bench-store.db";
  const int runs = argc > 2 ? std::stoi(argv[2]) : 1000, steps = argc > 3 ? std::stoi(argv[3]) : 1000;
  const int repeats = argc > 4 ? std::stoi(argv[4]) : 5;
  int64_t rows = 0;
  {
    bool fresh = !QFile::exists(QString::fromStdString(path));
    if (!fresh) {
      r1wb::Store store(path);
      fresh = store.list_runs().size() != size_t(runs);
    }
    if (fresh) {
      QFile::remove(QString::fromStdString(path));
      generate(path, runs, steps);
    }
  }
  r1wb::views::WorkbenchOptions o;
  o.store_path = QString::fromStdString(path);
  o.runs_dir = "/tmp/r1wb-bench-store-runs";
  o.experiment_path = "/nonexistent.json";
  o.settings_path = "/tmp/r1wb-bench-store-settings.ini";  // not the user's layout
  double worst = 0, total = 0;
  std::printf(
      "store open to first paint, %d runs x %d steps x %zu metrics, %s (first run: the page cache as\n"
      "the machine left it; drop it first for a cold start)\n",
      runs, steps, std::size(kMetrics), path.c_str());
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = Clock::now();
    QString error;
    auto w = r1wb::views::MainWindow::open(o, &error);
    if (!w) {
      std::fprintf(stderr, "open failed: %s\n", qPrintable(error));
      return 1;
    }
    const double opened = ms_since(t0);
    w->resize(1400, 860);
    w->show();
    if (!QTest::qWaitForWindowExposed(w.get())) return 1;
    w->grab();  // the whole window painted once, the chart included
    const double painted = ms_since(t0);
    std::printf("  run %d: %7.1f ms (window built %.1f ms; chart %d buckets)\n", i + 1, painted, opened,
                w->chart()->point_count());
    worst = std::max(worst, painted), total += painted;
  }
  {  // counted after the timing, so the count's full scan does not warm the cache for it
    r1wb::Store store(path);
    for (const auto& r : store.list_runs()) rows += store.count_rows("metrics", r.id);
  }
  std::printf("  metric rows in the store: %lld\n", (long long)rows);
  std::printf("  mean %.1f ms, worst %.1f ms; target under 1000 ms: %s\n", total / repeats, worst,
              worst < 1000 ? "met" : "NOT met");
  return 0;
}
