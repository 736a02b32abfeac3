// Pins the job seam (jobs/job_factory.h): the run queue and the controller run whole runs on
// whatever job the factory makes, here a fake runner in-process, so an SSH or Slurm job is
// one more factory. Stop and backfill go to the job as requests (wire/requests.h).
#include "core/jobs/job_factory.h"
#include "core/jobs/run_controller.h"
#include "core/jobs/run_queue.h"
#include "core/store/store.h"
#include "core/wire/event_log.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

using namespace r1wb;

namespace {

// Plays a runner: RunStarted, one Metrics record per step, then Status; one record per read.
// Stop ends the run as stopped at the next read; ResendAfter N replays from seq N + 1.
class FakeJob : public Job {
 public:
  FakeJob(int steps, uint64_t first_seq_sent, std::vector<wire::Request>* requests, bool listens = true)
      : steps_(steps), cursor_(first_seq_sent - 1), requests_(requests), listens_(listens) {
    records_.push_back({1, wire::RunStarted{"fake-host", 1, wire::kProtocolVersion, -1, steps, "{}"}});
    for (int s = 1; s <= steps; ++s)
      records_.push_back({uint64_t(s + 1), wire::Metrics{s, 0.0, {{"train/loss", 1.0 / s}}}});
    records_.push_back({uint64_t(steps + 2), wire::Status{steps, "completed", ""}});
  }
  int stream_fd() const override { return -1; }
  std::string read_available() override {
    if (closed_) return "";
    std::string out = header_sent_ ? "" : wire::encode_stream_header();
    header_sent_ = true;
    if (stop_ && cursor_ >= 1) {  // a real runner finishes the step, checkpoints, says stopped
      const int64_t step = std::get<wire::Metrics>(records_[std::min(cursor_, size_t(steps_))].payload).step;
      out +=
          wire::encode_record({cursor_ + 1, wire::Status{step, "stopped", "stopped at step " + std::to_string(step)}});
      closed_ = true, exit_ = 3;
      return out;
    }
    if (cursor_ < records_.size()) out += wire::encode_record(records_[cursor_++]);
    if (cursor_ == records_.size()) closed_ = true, exit_ = 0;
    return out;
  }
  bool stream_closed() const override { return closed_; }
  bool send(const wire::Request& r) override {
    requests_->push_back(r);
    if (!listens_) return true;  // written into a pipe nobody reads
    if (r.kind == wire::RequestKind::ResendAfter) cursor_ = size_t(r.argument);
    if (r.kind == wire::RequestKind::Stop) stop_ = true;
    return true;
  }
  void request_stop() override { send({wire::RequestKind::Stop, 0}); }
  void kill() override { closed_ = true, exit_ = 137; }
  std::optional<int> poll_exit() override { return closed_ ? std::optional<int>(exit_) : std::nullopt; }
  std::string stderr_path() const override { return ""; }

 private:
  int steps_;
  std::vector<wire::Record> records_;
  size_t cursor_;
  bool header_sent_ = false, closed_ = false, stop_ = false;
  int exit_ = 0;
  std::vector<wire::Request>* requests_;
  bool listens_;

 public:
  const std::vector<wire::Record>& records() const { return records_; }
};

struct FakeFarm {
  int steps = 6;
  uint64_t first_seq_sent = 1;
  bool listens = true;
  std::vector<JobSpec> specs;
  std::vector<wire::Request> requests;
  JobFactory factory() {
    return [this](const JobSpec& spec) -> std::unique_ptr<Job> {
      specs.push_back(spec);
      return std::make_unique<FakeJob>(steps, first_seq_sent, &requests, listens);
    };
  }
};

}  // namespace

TEST(JobSeam, TheWholeQueueRunsOnAFakeJobThroughTheFactory) {
  r1wb::testing::TempDir t;
  Store store((t.path / "w.db").string());
  FakeFarm farm;
  RunQueue queue(store, "/nonexistent/r1wb-run", (t.path / "runs").string(), 2, farm.factory());
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(queue.enqueue("fake", "{}"));
  size_t most_active = 0;
  for (int round = 0; round < 1000 && queue.busy(); ++round) {
    queue.pump();
    most_active = std::max(most_active, queue.active_runs().size());
  }
  ASSERT_FALSE(queue.busy());
  EXPECT_EQ(most_active, 2u) << "two slots, three runs";
  ASSERT_EQ(farm.specs.size(), 3u);
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto row = store.run(ids[i]);
    EXPECT_EQ(row->status, RunStatus::Completed) << row->message;
    EXPECT_EQ(row->host, "fake-host");
    EXPECT_EQ(store.count_rows("metrics", ids[i]), farm.steps);
    EXPECT_EQ(farm.specs[i].run_dir, row->run_dir);
    EXPECT_EQ(farm.specs[i].config_path, row->run_dir + "/config.json");
  }
  EXPECT_TRUE(farm.requests.empty()) << "a clean stream needs no request";
}

TEST(JobSeam, StopReachesTheJobAsARequest) {
  r1wb::testing::TempDir t;
  Store store((t.path / "w.db").string());
  FakeFarm farm;
  farm.steps = 50;
  RunQueue queue(store, "/nonexistent/r1wb-run", (t.path / "runs").string(), 1, farm.factory());
  const int64_t id = queue.enqueue("fake", "{}");
  for (int i = 0; i < 5; ++i) queue.pump();
  ASSERT_TRUE(queue.is_active(id));
  EXPECT_TRUE(queue.stop(id));
  for (int round = 0; round < 100 && queue.busy(); ++round) queue.pump();
  ASSERT_EQ(farm.requests.size(), 1u);
  EXPECT_EQ(farm.requests[0].kind, wire::RequestKind::Stop);
  EXPECT_EQ(store.run(id)->status, RunStatus::Stopped) << store.run(id)->message;
}

TEST(JobSeam, BackfillAfterAGapGoesThroughTheRequestDirection) {
  r1wb::testing::TempDir t;
  Store store((t.path / "w.db").string());
  FakeFarm farm;
  farm.first_seq_sent = 4;  // the stream starts past what the store holds (a late attach)
  const int64_t id = RunController::prepare(store, {"/nonexistent/r1wb-run", (t.path / "runs").string(), "fake", "{}"});
  RunController controller(store, farm.factory());
  controller.resume(id, "/nonexistent/r1wb-run");
  for (int round = 0; round < 1000 && !controller.finished(); ++round) controller.pump();
  ASSERT_TRUE(controller.finished());
  EXPECT_TRUE(controller.stream_error().empty()) << controller.stream_error();
  ASSERT_EQ(farm.requests.size(), 1u);
  EXPECT_EQ(farm.requests[0].kind, wire::RequestKind::ResendAfter);
  EXPECT_EQ(farm.requests[0].argument, 0u) << "asks for everything after the last seq the store holds";
  const auto row = store.run(id);
  EXPECT_EQ(row->status, RunStatus::Completed) << row->message;
  EXPECT_EQ(row->last_seq, uint64_t(farm.steps + 2)) << "no gap";
  EXPECT_EQ(store.count_rows("metrics", id), farm.steps) << "no duplicate";
}

TEST(JobSeam, ARunnerThatEndsBeforeResendingIsBackfilledFromItsLocalLog) {
  r1wb::testing::TempDir t;
  Store store((t.path / "w.db").string());
  FakeFarm farm;
  farm.first_seq_sent = 4;
  farm.listens = false;  // an early failure, or a runner of a release without requests
  const int64_t id = RunController::prepare(store, {"/nonexistent/r1wb-run", (t.path / "runs").string(), "fake", "{}"});
  {
    EventLogWriter log(store.run(id)->run_dir + "/events.log");  // what the runner wrote beside its stream
    const FakeJob script(farm.steps, 1, &farm.requests);
    for (const auto& r : script.records()) log.append(r.payload);
  }
  RunController controller(store, farm.factory());
  controller.resume(id, "/nonexistent/r1wb-run");
  for (int round = 0; round < 1000 && !controller.finished(); ++round) controller.pump();
  EXPECT_TRUE(controller.stream_error().empty()) << controller.stream_error();
  EXPECT_EQ(store.run(id)->status, RunStatus::Completed) << store.run(id)->message;
  EXPECT_EQ(store.count_rows("metrics", id), farm.steps);
}

TEST(JobSeam, AJobThatCannotStartFailsItsRunWithTheReason) {
  r1wb::testing::TempDir t;
  Store store((t.path / "w.db").string());
  RunQueue queue(store, "/nonexistent/r1wb-run", (t.path / "runs").string(), 1,
                 [](const JobSpec&) -> std::unique_ptr<Job> { throw std::runtime_error("no route to node7"); });
  const int64_t id = queue.enqueue("fake", "{}");
  const auto ev = queue.pump();
  ASSERT_EQ(ev.ended, std::vector<int64_t>{id});
  const auto row = store.run(id);
  EXPECT_EQ(row->status, RunStatus::Failed);
  EXPECT_NE(row->message.find("no route to node7"), std::string::npos) << row->message;
}
