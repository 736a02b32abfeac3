// The SQLite store (WAL): runs, metrics, snapshots, checkpoints, exports and log lines.
//
// Ingest is idempotent by (run, seq): each run remembers the last seq it holds, so the same
// records can be fed twice (a replayed log, a reconnect) without duplicates. A run is known by
// the run id its log carries, since seqs count within one log. A RunStarted
// record that resumes from step S drops the rows of steps after S from the abandoned
// timeline, so every step appears exactly once. Reads downsample on the way out with
// min/max per bucket; ingest never drops data.
//
// Users can query the view v_metrics(run_name, step, metric, value) with sqlite3 or pandas.
#pragma once
#include "core/store/run_query.h"
#include "core/store/run_status.h"
#include "core/wire/event_protocol.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct sqlite3;

namespace r1wb {

struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct RunRow {
  int64_t id = 0;
  std::string name;
  std::string experiment;  //!< the experiment's name
  RunStatus status = RunStatus::Created;
  std::string config_json;
  std::string run_dir;
  std::string host;
  std::string message;                                     //!< last status message (failure reason)
  double created_at = 0, started_at = 0, finished_at = 0;  //!< Unix seconds; 0 when unset
  int64_t last_step = -1;
  int64_t total_steps = 0;
  uint64_t last_seq = 0;
  std::vector<std::string> tags;
  std::string notes;
  std::string uid;  //!< the run id its log's RunStarted carries (wire::RunStarted::run_uid); empty until heard
  std::string target_host;  //!< the HostRow it runs on; empty: this machine
  std::string remote_dir;   //!< its run directory on that host (run_dir holds the local copy of config.json)
  std::string scheduler_job;  //!< its Slurm job ("12", "40_3" for an array's task); empty: none
};

//! One metric of a run in a results table: its last value, extremes and last step.
struct MetricSummary {
  std::string name;
  double final = 0, min = 0, max = 0;
  int64_t final_step = 0;
};

//! What a chart's x axis counts: optimizer steps, training tokens (the train/tokens metric at
//! the same step) or wall-clock milliseconds since the metric's first point.
enum class ChartAxis { Step, Tokens, WallTime };

struct MetricPoint {
  int64_t step = 0;
  int64_t x = 0;  //!< the step, tokens or milliseconds, per ChartAxis
  double value = 0;
};

struct LogRow {
  uint64_t seq = 0;  //!< the record's sequence number: lines come in this order
  double wall_time = 0;
  wire::LogLevel level = wire::LogLevel::Info;
  std::string text;
};

//! A file a checkpoint was exported to (wire::Export).
struct ExportRow {
  std::string path;  //!< relative to the run directory
  int64_t step = 0;
  std::string format, type, architecture;
  uint64_t bytes = 0;
  double wall_time = 0;
};

struct SnapshotRow {
  int64_t step = 0;
  uint32_t rows = 0, cols = 0;
  std::vector<float> data;              // [rows, cols]
  std::vector<std::string> row_labels;  //!< one per row when the runner named them (probes), else empty
};

struct IngestResult {
  size_t applied = 0;     //!< records new to the store
  size_t skipped = 0;     //!< records it already held (seq <= last seq)
  bool gap = false;       //!< a record arrived whose seq is past last_seq + 1
  bool foreign = false;   //!< the records carry another run id than the run's: none applied
  uint64_t lost = 0;      //!< seqs passed over because the log reported them lost
  uint64_t last_seq = 0;  //!< after ingest
};

//! A host runs can go to (r1wb-ctl hosts, the hosts panel): how to reach it and where its
//! runner and runs live there. With `ssh_alias` the user's ~/.ssh/config says the rest
//! (core/remote/ssh_config.h), read each time it connects.
struct HostRow {
  std::string name;       //!< the workbench's name for it
  std::string ssh_alias;  //!< a Host of ~/.ssh/config; empty: host, port, user below
  std::string host;
  int port = 22;
  std::string user;
  std::string identity_file;         //!< empty: the agent and the config's files
  std::string workdir = "r1wb-runs";  //!< the remote working directory (relative: to the login's home)
  std::string runner = "r1wb-run";    //!< the node's runner: a path, or a name on its PATH
  int max_runs = 1;                   //!< runs the queue starts there at once
  //! Empty: a plain node (runs start detached there). Else a Slurm login node, and this is the
  //! SlurmOptions (core/slurm/slurm_options.h) its jobs ask for, as JSON.
  std::string slurm;
};

class Store {
 public:
  //! Opens or creates a store. Throws StoreError for a corrupt or foreign database.
  explicit Store(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& path() const { return path_; }

  //! "tiny-moe-1", "tiny-moe-2", ...: the first name not taken.
  std::string next_run_name(const std::string& experiment);
  int64_t create_run(const std::string& name, const std::string& experiment, const std::string& config_json,
                     const std::string& run_dir, const std::string& host);
  std::optional<RunRow> run(int64_t id);
  //! The run a log belongs to: the one with its run id, else the newest run in `run_dir`
  //! that has no id yet (made by the workbench before its runner spoke, or by an older build).
  //! A run that holds records from a log without an id cannot be the run of a log that began
  //! with one (`log_began_with_uid`): that log is a new run. nullopt: a new run.
  std::optional<RunRow> run_of_log(const std::string& uid, const std::string& run_dir, bool log_began_with_uid);
  std::vector<RunRow> list_runs();
  //! The runs matching a parsed search (run_query.h), newest first; an empty query lists all.
  std::vector<RunRow> find_runs(const RunQuery& query);
  void set_tags(int64_t run_id, const std::vector<std::string>& tags);
  void set_notes(int64_t run_id, const std::string& notes);
  //! Where a remote run lives: the host (a HostRow's name) and its run directory there.
  void set_remote(int64_t run_id, const std::string& target_host, const std::string& remote_dir);
  //! The scheduler's job that runs it (the latest: a resubmitted run gets a new one).
  void set_scheduler_job(int64_t run_id, const std::string& job);
  //! Adds the host or replaces the one of that name.
  void put_host(const HostRow& host);
  std::vector<HostRow> list_hosts();  //!< by name
  std::optional<HostRow> host(const std::string& name);
  bool remove_host(const std::string& name);  //!< false: no host of that name
  //! The mean of `metric` over each of the `limit` newest completed runs on `host`, with
  //! the run's config: what this machine measured (e.g. perf/tokens_per_s).
  std::vector<std::pair<std::string, double>> recent_metric_means(const std::string& metric, const std::string& host,
                                                                  int limit);
  //! Final, min and max of every metric the run logged, by name.
  std::vector<MetricSummary> metric_summaries(int64_t run_id);
  void set_status(int64_t run_id, RunStatus status, const std::string& message = "");
  //! Removes a run and everything recorded for it (its run directory is the caller's).
  void delete_run(int64_t run_id);

  //! Applies records in seq order; stops at a gap (the caller backfills from the log), except
  //! over seqs in `lost`: records a damaged log reported lost, passed over and counted. A
  //! batch whose RunStarted carries another run id than the run's applies nothing (foreign).
  IngestResult ingest(int64_t run_id, const std::vector<wire::Record>& records,
                      const std::vector<wire::SeqRange>& lost = {});

  std::vector<std::string> metric_names(int64_t run_id);
  //! Every point of a metric with step > after_step, in step order, with its x on `axis`:
  //! what a chart's full-fidelity series (metric_series.h) appends as a run streams.
  std::vector<MetricPoint> metric_points(int64_t run_id, const std::string& metric, int64_t after_step,
                                         ChartAxis axis = ChartAxis::Step);
  //! How many points metric_points() has with step <= up_to_step: tells a chart whether a
  //! resumed run replaced steps it already holds.
  int64_t count_metric_points(int64_t run_id, const std::string& metric, int64_t up_to_step,
                              ChartAxis axis = ChartAxis::Step);
  //! The run's log lines with seq > after_seq, in order (the log view follows the tail).
  std::vector<LogRow> logs(int64_t run_id, uint64_t after_seq);
  //! The run's exports, oldest first.
  std::vector<ExportRow> exports(int64_t run_id);
  std::optional<SnapshotRow> latest_snapshot(int64_t run_id, const std::string& kind);
  //! The newest snapshot of `kind` at or before `step` (a step scrubber's position).
  std::optional<SnapshotRow> snapshot_at(int64_t run_id, const std::string& kind, int64_t step);
  //! The step of the snapshot snapshot_at() would return, without reading its payload: lets a
  //! view that refreshes often read the matrix only when it changed.
  std::optional<int64_t> snapshot_step_at(int64_t run_id, const std::string& kind, int64_t step);
  //! The steps that have a snapshot of `kind`, ascending.
  std::vector<int64_t> snapshot_steps(int64_t run_id, const std::string& kind);
  int64_t count_rows(const std::string& table, int64_t run_id);

  sqlite3* handle() { return db_; }

 private:
  void exec(const char* sql);
  void init_schema();
  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace r1wb
