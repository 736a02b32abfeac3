// The context tells every registered viewer, in order, of a selection change and of new
// records; a viewer that fails to read does not keep the others from being told; the window
// registers its five right-hand panels and hands them its selection.
#include "views/shell/workbench_context.h"
#include "views/runs/run_list.h"
#include "window_support.h"

#include <gtest/gtest.h>

#include <QSignalSpy>
#include <QTemporaryDir>

#include <stdexcept>
#include <string>
#include <vector>

namespace r1wb::views {
namespace {

// Writes down what it was told, in one log shared by every viewer of a test.
struct RecordingViewer : Viewer {
  RecordingViewer(std::string name, std::vector<std::string>& log) : name(std::move(name)), log(log) {}
  void selection_changed(const Selection& s) override {
    log.push_back(name + " selection " + std::to_string(s.primary));
  }
  void records_arrived(const Selection& s) override { log.push_back(name + " records " + std::to_string(s.primary)); }
  void run_removed(int64_t id) override { log.push_back(name + " removed " + std::to_string(id)); }
  std::string name;
  std::vector<std::string>& log;
};

struct ThrowingViewer : Viewer {
  void selection_changed(const Selection&) override { throw std::runtime_error("database is locked"); }
  void records_arrived(const Selection&) override { throw std::runtime_error("database is locked"); }
};

class ContextTest : public ::testing::Test {
 protected:
  QTemporaryDir dir_;
  Store store_{dir_.filePath("workbench.db").toStdString()};
  RunQueue queue_{store_, dir_.filePath("no-runner").toStdString(), dir_.filePath("runs").toStdString()};
  WorkbenchContext context_{store_, queue_};
};

TEST_F(ContextTest, TellsEveryRegisteredViewerOfASelectionChangeAndOfNewRecords) {
  std::vector<std::string> log;
  RecordingViewer chart("chart", log), routing("routing", log), gone("gone", log);
  context_.add_viewer(&chart);
  context_.add_viewer(&routing);
  context_.add_viewer(&gone);
  context_.add_viewer(&chart);  // once only
  context_.remove_viewer(&gone);
  ASSERT_EQ(context_.viewers().size(), 2u);

  context_.select({7, {7, 9}});
  EXPECT_EQ(log, (std::vector<std::string>{"chart selection 7", "routing selection 7"}));
  EXPECT_EQ(context_.selection().runs, (std::vector<int64_t>{7, 9}));
  context_.select({7, {7, 9}});
  EXPECT_EQ(log.size(), 2u) << "the same selection again tells nobody";
  context_.select({7, {7}});
  EXPECT_EQ(log.size(), 4u) << "fewer overlaid runs is a change";

  log.clear();
  context_.records_arrived();
  EXPECT_EQ(log, (std::vector<std::string>{"chart records 7", "routing records 7"}));
  EXPECT_EQ(context_.ticks(), 1u);

  log.clear();
  context_.refresh(routing);
  context_.run_removed(7);
  context_.select({});
  EXPECT_EQ(log, (std::vector<std::string>{"routing records 7", "chart removed 7", "routing removed 7",
                                           "chart selection 0", "routing selection 0"}));
}

TEST_F(ContextTest, AViewerThatFailsToReadDoesNotKeepTheOthersFromBeingTold) {
  std::vector<std::string> log;
  ThrowingViewer broken;
  RecordingViewer log_view("log", log);
  context_.add_viewer(&broken);
  context_.add_viewer(&log_view);
  QSignalSpy failed(&context_, &WorkbenchContext::store_failed);
  context_.select({3, {3}});
  context_.records_arrived();
  EXPECT_EQ(log, (std::vector<std::string>{"log selection 3", "log records 3"}));
  ASSERT_EQ(failed.size(), 2);
  EXPECT_TRUE(failed[0][0].toString().contains("database is locked")) << failed[0][0].toString().toStdString();
}

TEST(MainWindowContext, TheSixRightHandPanelsAreViewersOfTheWindowsSelection) {
  QTemporaryDir dir;
  const WorkbenchOptions o = temp_options(dir);
  int64_t a = 0, b = 0;
  {
    Store st(o.store_path.toStdString());
    a = st.create_run("tiny-moe-1", "tiny-moe", "{}", "/ra", "h");
    b = st.create_run("tiny-moe-2", "tiny-moe", "{}", "/rb", "h");
    st.ingest(a, {{1, wire::Metrics{1, 0, {{"train/loss", 2.0}}}}});
    st.ingest(b, {{1, wire::Metrics{1, 0, {{"train/loss", 3.0}}}}});
  }
  auto w = open_shown(o);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->context().viewers().size(), 6u) << "chart, log, routing, attention, completions, curriculum";
  w->run_list()->select_runs({a, b});
  EXPECT_EQ(w->context().selection().runs.size(), 2u);
  EXPECT_EQ(w->chart()->series_count(), 2) << "the chart panel was told of the selection";
  const uint64_t ticks = w->context().ticks();
  w->refresh();
  EXPECT_EQ(w->context().ticks(), ticks + 1) << "a refresh is one records-arrived tick";
}

}  // namespace
}  // namespace r1wb::views
