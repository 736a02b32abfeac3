#include "core/store/store.h"

#include "core/paths.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>

namespace r1wb {
namespace {

constexpr int kApplicationId = 0x52315742;  // "R1WB"
constexpr int kSchemaVersion =
    8;  // 2: runs.tags (JSON array) and runs.notes; 3: snapshots.labels; 4: runs.uid; 5: samples; 6: hosts;
        // 7: runs.target_host and runs.remote_dir (where a remote run lives), hosts.max_runs;
        // 8: hosts.slurm (a Slurm login node's job options), runs.scheduler_job

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS runs(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  experiment TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'created',
  config TEXT NOT NULL,
  run_dir TEXT NOT NULL DEFAULT '',
  host TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL DEFAULT '',
  created_at REAL NOT NULL DEFAULT 0,
  started_at REAL NOT NULL DEFAULT 0,
  finished_at REAL NOT NULL DEFAULT 0,
  last_step INTEGER NOT NULL DEFAULT -1,
  total_steps INTEGER NOT NULL DEFAULT 0,
  last_seq INTEGER NOT NULL DEFAULT 0,
  tags TEXT NOT NULL DEFAULT '[]',
  notes TEXT NOT NULL DEFAULT '',
  uid TEXT NOT NULL DEFAULT '',
  target_host TEXT NOT NULL DEFAULT '',
  remote_dir TEXT NOT NULL DEFAULT '',
  scheduler_job TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS runs_by_dir ON runs(run_dir);
CREATE INDEX IF NOT EXISTS runs_by_uid ON runs(uid);
CREATE TABLE IF NOT EXISTS metrics(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  step INTEGER NOT NULL,
  value REAL,
  wall_time REAL,
  PRIMARY KEY(run_id, name, step)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  step INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  cols INTEGER NOT NULL,
  payload BLOB NOT NULL,
  labels TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY(run_id, kind, step)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  path TEXT NOT NULL,
  PRIMARY KEY(run_id, step));
-- Files a checkpoint was exported to (record kind Export): path relative to the run directory.
CREATE TABLE IF NOT EXISTS exports(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  step INTEGER NOT NULL,
  format TEXT NOT NULL,
  type TEXT NOT NULL,
  architecture TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  wall_time REAL,
  PRIMARY KEY(run_id, path));
CREATE TABLE IF NOT EXISTS logs(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  wall_time REAL,
  level INTEGER,
  text TEXT,
  PRIMARY KEY(run_id, seq));
-- RL rollouts (record kind Rollouts): one row per completion. components is a JSON object
-- {"accuracy": 1, ...}; tokens a blob of int32, logprobs and entropy blobs of float32, one per token.
CREATE TABLE IF NOT EXISTS samples(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  grp INTEGER NOT NULL,
  prompt TEXT NOT NULL,
  completion TEXT NOT NULL,
  reward REAL,
  advantage REAL,
  truncated INTEGER NOT NULL,
  length INTEGER NOT NULL,
  components TEXT NOT NULL,
  tokens BLOB,
  logprobs BLOB,
  entropy BLOB,
  PRIMARY KEY(run_id, step, idx)) WITHOUT ROWID;
-- v_samples: one row per (run, step, completion) with its reward components as columns of
-- JSON; the documented way to read rollouts from sqlite3 or pandas.
CREATE VIEW IF NOT EXISTS v_samples AS
  SELECT r.name AS run_name, s.step AS step, s.grp AS prompt_group, s.idx AS sample, s.prompt AS prompt,
         s.completion AS completion, s.reward AS reward, s.advantage AS advantage, s.truncated AS truncated,
         s.length AS length, json_extract(s.components, '$.accuracy') AS accuracy,
         json_extract(s.components, '$.format') AS format, s.components AS components
  FROM samples s JOIN runs r ON r.id = s.run_id;
-- v_metrics: one row per (run, step, metric); the documented way to query from outside.
CREATE VIEW IF NOT EXISTS v_metrics AS
  SELECT r.name AS run_name, m.step AS step, m.name AS metric, m.value AS value
  FROM metrics m JOIN runs r ON r.id = m.run_id;
CREATE TABLE IF NOT EXISTS hosts(
  name TEXT PRIMARY KEY,
  ssh_alias TEXT NOT NULL,
  host TEXT NOT NULL,
  port INTEGER NOT NULL,
  user TEXT NOT NULL,
  identity_file TEXT NOT NULL,
  workdir TEXT NOT NULL,
  runner TEXT NOT NULL,
  max_runs INTEGER NOT NULL DEFAULT 1,
  slurm TEXT NOT NULL DEFAULT '');
)sql";

// Prepared statement with RAII and terse binders.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK)
      throw StoreError(std::string("store: ") + sqlite3_errmsg(db));
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, double v) {
    sqlite3_bind_double(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), int(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind_blob(int i, const void* p, size_t n) {
    sqlite3_bind_blob(s_, i, p, int(n), SQLITE_TRANSIENT);
    return *this;
  }
  //! true while there is a row
  bool step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw StoreError(std::string("store: ") + sqlite3_errmsg(db_));
  }
  void run() {
    step();
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  int64_t i64(int c) { return sqlite3_column_int64(s_, c); }
  double f64(int c) { return sqlite3_column_double(s_, c); }
  bool is_null(int c) { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
  //! NULL (how SQLite stores a NaN) reads as NaN rather than 0.
  double f64_or_nan(int c) {
    return is_null(c) ? std::numeric_limits<double>::quiet_NaN() : sqlite3_column_double(s_, c);
  }
  std::string text(int c) {
    auto p = sqlite3_column_text(s_, c);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(s_, c)) : std::string();
  }
  const void* blob(int c, int* n) {
    *n = sqlite3_column_bytes(s_, c);
    return sqlite3_column_blob(s_, c);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

constexpr const char* kRunColumns =
    "id, name, experiment, status, config, run_dir, host, message, created_at, started_at, finished_at, "
    "last_step, total_steps, last_seq, tags, notes, uid, target_host, remote_dir, scheduler_job";

RunRow read_run(Stmt& s) {
  RunRow r;
  r.id = s.i64(0);
  r.name = s.text(1);
  r.experiment = s.text(2);
  r.status = parse_run_status(s.text(3)).value_or(RunStatus::Failed);
  r.config_json = s.text(4);
  r.run_dir = s.text(5);
  r.host = s.text(6);
  r.message = s.text(7);
  r.created_at = s.f64(8);
  r.started_at = s.f64(9);
  r.finished_at = s.f64(10);
  r.last_step = s.i64(11);
  r.total_steps = s.i64(12);
  r.last_seq = static_cast<uint64_t>(s.i64(13));
  const auto tags = nlohmann::json::parse(s.text(14), nullptr, false);
  if (tags.is_array())
    for (const auto& t : tags)
      if (t.is_string()) r.tags.push_back(t.get<std::string>());
  r.notes = s.text(15);
  r.uid = s.text(16);
  r.target_host = s.text(17);
  r.remote_dir = s.text(18);
  r.scheduler_job = s.text(19);
  return r;
}

}  // namespace

Store::Store(const std::string& path) : path_(path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw StoreError("cannot open store '" + path + "': " + msg);
  }
  sqlite3_busy_timeout(db_, 10000);
  try {
    init_schema();
  } catch (const StoreError& e) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError("cannot use '" + path + "' as a store: " + e.what());
  }
}

Store::~Store() { sqlite3_close(db_); }

void Store::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw StoreError(msg);
  }
}

void Store::init_schema() {
  // Read the identity first (statements scoped so no read transaction stays open).
  int64_t app_id = 0, n_objects = 0, version = 0;
  {
    Stmt app(db_, "PRAGMA application_id");
    app.step();
    app_id = app.i64(0);
    Stmt tables(db_, "SELECT count(*) FROM sqlite_master");
    tables.step();
    n_objects = tables.i64(0);
    Stmt ver(db_, "PRAGMA user_version");
    ver.step();
    version = ver.i64(0);
  }
  if (n_objects > 0 && app_id != kApplicationId)
    throw StoreError("it is an SQLite database of another application (no R1 Workbench tables)");
  if (n_objects > 0 && version > kSchemaVersion)
    throw StoreError("it was written by a newer R1 Workbench (schema " + std::to_string(version) + ")");
  exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  exec("BEGIN IMMEDIATE");
  try {
    if (n_objects > 0 && version < 2)  // schema 1 had no tags or notes
      exec(
          "ALTER TABLE runs ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';"
          "ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';");
    if (n_objects > 0 && version < 3)  // schema 2 had no snapshot row labels
      exec("ALTER TABLE snapshots ADD COLUMN labels TEXT NOT NULL DEFAULT '[]';");
    if (n_objects > 0 && version < 4)  // schema 3 told runs apart by directory only
      exec("ALTER TABLE runs ADD COLUMN uid TEXT NOT NULL DEFAULT '';");
    if (n_objects > 0 && version < 7) {  // schema 6 ran every run on this machine
      exec(
          "ALTER TABLE runs ADD COLUMN target_host TEXT NOT NULL DEFAULT '';"
          "ALTER TABLE runs ADD COLUMN remote_dir TEXT NOT NULL DEFAULT '';");
      if (version >= 6) exec("ALTER TABLE hosts ADD COLUMN max_runs INTEGER NOT NULL DEFAULT 1;");
    }
    if (n_objects > 0 && version < 8) {  // schema 7 knew no schedulers
      if (version >= 6) exec("ALTER TABLE hosts ADD COLUMN slurm TEXT NOT NULL DEFAULT '';");
      exec("ALTER TABLE runs ADD COLUMN scheduler_job TEXT NOT NULL DEFAULT '';");
    }
    exec(kSchema);
    exec(("PRAGMA application_id=" + std::to_string(kApplicationId)).c_str());
    exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::string Store::next_run_name(const std::string& experiment) {
  Stmt s(db_, "SELECT 1 FROM runs WHERE name = ?");
  for (int i = 1;; ++i) {
    std::string name = experiment + "-" + std::to_string(i);
    s.bind(1, name);
    bool taken = s.step();
    s.reset();
    if (!taken) return name;
  }
}

int64_t Store::create_run(const std::string& name, const std::string& experiment, const std::string& config_json,
                          const std::string& run_dir, const std::string& host) {
  Stmt s(db_, "INSERT INTO runs(name, experiment, config, run_dir, host, created_at) VALUES(?,?,?,?,?,?)");
  s.bind(1, name).bind(2, experiment).bind(3, config_json).bind(4, run_dir).bind(5, host).bind(6, wall_clock_seconds());
  s.run();
  return sqlite3_last_insert_rowid(db_);
}

std::optional<RunRow> Store::run(int64_t id) {
  Stmt s(db_, (std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?").c_str());
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_run(s);
}

std::optional<RunRow> Store::run_of_log(const std::string& uid, const std::string& run_dir, bool log_began_with_uid) {
  if (!uid.empty()) {
    Stmt s(db_, (std::string("SELECT ") + kRunColumns + " FROM runs WHERE uid = ? ORDER BY id DESC").c_str());
    s.bind(1, uid);
    if (s.step()) return read_run(s);
  }
  // A row that has not heard its runner's id yet: made by the workbench before launching, by
  // an older build, or for a log from an older runner.
  Stmt s(db_,
         (std::string("SELECT ") + kRunColumns + " FROM runs WHERE run_dir = ? AND uid = '' ORDER BY id DESC").c_str());
  s.bind(1, run_dir);
  if (!s.step()) return std::nullopt;
  auto row = read_run(s);
  if (log_began_with_uid && row.last_seq > 0) return std::nullopt;  // its records came from another log
  return row;
}

std::vector<RunRow> Store::list_runs() { return find_runs({}); }

std::vector<RunRow> Store::find_runs(const RunQuery& q) {
  // Every clause binds its values; operators come from parse_run_query's fixed set.
  std::string where;
  std::vector<nlohmann::json> params;
  auto clause = [&](const std::string& c) { where += (where.empty() ? " WHERE " : " AND ") + c; };
  for (const auto& w : q.words) {
    std::string like = "%";
    for (char c : w) {
      if (c == '%' || c == '_' || c == '\\') like += '\\';
      like += c;
    }
    like += "%";
    clause(
        "(name LIKE ? ESCAPE '\\' OR experiment LIKE ? ESCAPE '\\' OR tags LIKE ? ESCAPE '\\' OR "
        "notes LIKE ? ESCAPE '\\')");
    for (int i = 0; i < 4; ++i) params.push_back(like);
  }
  if (!q.statuses.empty()) {
    std::string in;
    for (const auto& st : q.statuses) {
      in += in.empty() ? "?" : ",?";
      params.push_back(st);
    }
    clause("status IN (" + in + ")");
  }
  for (const auto& t : q.tags) {
    clause("EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE json_each.value = ?)");
    params.push_back(t);
  }
  for (const auto& c : q.config) {
    clause("json_extract(config, ?) " + c.op + " ?");
    params.push_back("$." + c.path);
    params.push_back(c.value);
  }
  Stmt s(db_, (std::string("SELECT ") + kRunColumns + " FROM runs" + where + " ORDER BY id DESC").c_str());
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& p = params[i];
    const int at = int(i) + 1;
    if (p.is_string())
      s.bind(at, p.get<std::string>());
    else if (p.is_boolean())
      s.bind(at, int64_t(p.get<bool>()));
    else
      s.bind(at, p.get<double>());
  }
  std::vector<RunRow> out;
  while (s.step()) out.push_back(read_run(s));
  return out;
}

void Store::set_tags(int64_t run_id, const std::vector<std::string>& tags) {
  Stmt s(db_, "UPDATE runs SET tags = ? WHERE id = ?");
  s.bind(1, nlohmann::json(tags).dump()).bind(2, run_id).run();
}

void Store::set_scheduler_job(int64_t run_id, const std::string& job) {
  Stmt s(db_, "UPDATE runs SET scheduler_job = ? WHERE id = ?");
  s.bind(1, job).bind(2, run_id).run();
}

void Store::set_remote(int64_t run_id, const std::string& target_host, const std::string& remote_dir) {
  Stmt s(db_, "UPDATE runs SET target_host = ?, remote_dir = ? WHERE id = ?");
  s.bind(1, target_host).bind(2, remote_dir).bind(3, run_id).run();
}

void Store::set_notes(int64_t run_id, const std::string& notes) {
  Stmt s(db_, "UPDATE runs SET notes = ? WHERE id = ?");
  s.bind(1, notes).bind(2, run_id).run();
}

std::vector<std::pair<std::string, double>> Store::recent_metric_means(const std::string& metric,
                                                                       const std::string& host, int limit) {
  Stmt s(db_,
         "SELECT r.config, AVG(m.value) FROM runs r JOIN metrics m ON m.run_id = r.id AND m.name = ? "
         "WHERE r.host = ? AND r.status = 'completed' GROUP BY r.id ORDER BY r.id DESC LIMIT ?");
  s.bind(1, metric).bind(2, host).bind(3, int64_t(limit));
  std::vector<std::pair<std::string, double>> out;
  while (s.step()) out.emplace_back(s.text(0), s.f64(1));
  return out;
}

std::vector<MetricSummary> Store::metric_summaries(int64_t run_id) {
  // The last step's value per metric comes from the primary key's order (run, name, step).
  Stmt s(db_,
         "SELECT name, MIN(value), MAX(value), MAX(step), "
         "(SELECT value FROM metrics l WHERE l.run_id = m.run_id AND l.name = m.name ORDER BY step DESC LIMIT 1) "
         "FROM metrics m WHERE run_id = ? GROUP BY name ORDER BY name");
  s.bind(1, run_id);
  std::vector<MetricSummary> out;
  while (s.step()) out.push_back({s.text(0), s.f64_or_nan(4), s.f64_or_nan(1), s.f64_or_nan(2), s.i64(3)});
  return out;
}

void Store::set_status(int64_t run_id, RunStatus status, const std::string& message) {
  Stmt s(db_,
         "UPDATE runs SET status = ?, message = ?, finished_at = CASE WHEN ? THEN ? ELSE finished_at END "
         "WHERE id = ?");
  s.bind(1, std::string(status_name(status))).bind(2, message).bind(3, int64_t(is_terminal(status)));
  s.bind(4, wall_clock_seconds()).bind(5, run_id);
  s.run();
}

IngestResult Store::ingest(int64_t run_id, const std::vector<wire::Record>& records,
                           const std::vector<wire::SeqRange>& lost) {
  IngestResult res;
  auto current = run(run_id);
  if (!current) throw StoreError("ingest: no run with id " + std::to_string(run_id));
  // Seqs count within one log: records of another log (another run id) would be taken for
  // ones the run holds, or fill its rows with another run's. Checked before any is applied.
  std::string uid = current->uid;
  for (const auto& r : records)
    if (auto* s = std::get_if<wire::RunStarted>(&r.payload); s && !s->run_uid.empty()) {
      if (uid.empty()) uid = s->run_uid;
      if (s->run_uid != uid) {
        res.foreign = true;
        res.last_seq = current->last_seq;
        return res;
      }
    }
  auto known_lost = [&](uint64_t first, uint64_t last_missing) {
    for (const auto& l : lost)
      if (l.first <= first && last_missing <= l.last) return true;
    return false;
  };
  uint64_t last = current->last_seq;
  int64_t last_step = current->last_step;
  // When a run started and when it ended are the records' own times where the batch carries
  // them (an offline ingest of a whole log): the first timed record after a RunStarted, the last
  // one before a Status. A live stream's RunStarted comes alone: then the time is now.
  std::vector<double> time_of(records.size(), 0.0);
  {
    auto timed = [](const wire::Record& r) {
      if (auto* m = std::get_if<wire::Metrics>(&r.payload)) return m->wall_time;
      if (auto* l = std::get_if<wire::Log>(&r.payload)) return l->wall_time;
      return 0.0;
    };
    double next = 0, prev = 0;
    for (size_t i = records.size(); i-- > 0;)
      if (std::holds_alternative<wire::RunStarted>(records[i].payload))
        time_of[i] = next;
      else if (double t = timed(records[i]); t > 0)
        next = t;
    for (size_t i = 0; i < records.size(); ++i)
      if (std::holds_alternative<wire::Status>(records[i].payload))
        time_of[i] = prev;
      else if (double t = timed(records[i]); t > 0)
        prev = t;
  }
  auto when = [&](size_t i) { return time_of[i] > 0 ? time_of[i] : wall_clock_seconds(); };

  exec("BEGIN IMMEDIATE");
  try {
    Stmt metric(db_, "INSERT OR REPLACE INTO metrics(run_id, name, step, value, wall_time) VALUES(?,?,?,?,?)");
    Stmt snap(
        db_, "INSERT OR REPLACE INTO snapshots(run_id, kind, step, rows, cols, payload, labels) VALUES(?,?,?,?,?,?,?)");
    Stmt ckpt(db_, "INSERT OR REPLACE INTO checkpoints(run_id, step, path) VALUES(?,?,?)");
    Stmt sample(db_,
                "INSERT OR REPLACE INTO samples(run_id, step, idx, grp, prompt, completion, reward, advantage, "
                "truncated, length, components, tokens, logprobs, entropy) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    Stmt log(db_, "INSERT OR IGNORE INTO logs(run_id, seq, wall_time, level, text) VALUES(?,?,?,?,?)");
    Stmt exported(db_,
                  "INSERT OR REPLACE INTO exports(run_id, path, step, format, type, architecture, bytes, wall_time) "
                  "VALUES(?,?,?,?,?,?,?,?)");
    Stmt started(db_,
                 "UPDATE runs SET status='running', host=?, total_steps=?, message='', finished_at=0, "
                 "started_at = CASE WHEN started_at = 0 THEN ? ELSE started_at END WHERE id=?");
    Stmt status(db_,
                "UPDATE runs SET status=?, message=?, "
                "finished_at = CASE WHEN ? THEN ? ELSE finished_at END WHERE id=?");
    for (size_t i = 0; i < records.size(); ++i) {
      const auto& r = records[i];
      if (r.seq <= last) {
        ++res.skipped;
        continue;
      }
      if (r.seq != last + 1) {
        if (!known_lost(last + 1, r.seq - 1)) {
          res.gap = true;
          break;
        }
        res.lost += r.seq - 1 - last;  // damage the log reported: its records will never come
      }
      if (auto* v = std::get_if<wire::RunStarted>(&r.payload)) {
        started.bind(1, v->host).bind(2, v->total_steps).bind(3, when(i)).bind(4, run_id).run();
        if (v->resumed_from_step >= 0) {
          // Rows past the checkpoint belong to the abandoned timeline; the resumed run rewrites them.
          for (const char* table : {"metrics", "snapshots", "checkpoints", "samples"}) {
            Stmt del(db_, (std::string("DELETE FROM ") + table + " WHERE run_id = ? AND step > ?").c_str());
            del.bind(1, run_id).bind(2, v->resumed_from_step).run();
          }
          last_step = v->resumed_from_step;
        }
      } else if (auto* v = std::get_if<wire::Metrics>(&r.payload)) {
        for (const auto& [name, value] : v->values)
          metric.bind(1, run_id).bind(2, name).bind(3, v->step).bind(4, value).bind(5, v->wall_time).run();
        last_step = std::max(last_step, v->step);
      } else if (auto* v = std::get_if<wire::Snapshot>(&r.payload)) {
        snap.bind(1, run_id).bind(2, v->name).bind(3, v->step).bind(4, int64_t(v->rows)).bind(5, int64_t(v->cols));
        snap.bind_blob(6, v->data.data(), v->data.size() * sizeof(float));
        snap.bind(7, v->row_labels.empty()
                         ? std::string("[]")
                         : nlohmann::json(v->row_labels).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
            .run();
      } else if (auto* v = std::get_if<wire::Rollouts>(&r.payload)) {
        for (size_t k = 0; k < v->samples.size(); ++k) {
          const auto& x = v->samples[k];
          nlohmann::json components = nlohmann::json::object();
          for (size_t c = 0; c < v->component_names.size() && c < x.components.size(); ++c)
            components[v->component_names[c]] = x.components[c];
          auto text = [](const std::string& t) {  // a byte-level model may write bytes that are not UTF-8
            return nlohmann::json(t).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
          };
          sample.bind(1, run_id).bind(2, v->step).bind(3, int64_t(k)).bind(4, int64_t(x.group));
          sample.bind(5, nlohmann::json::parse(text(x.prompt)).get<std::string>());
          sample.bind(6, nlohmann::json::parse(text(x.completion)).get<std::string>());
          sample.bind(7, x.reward)
              .bind(8, x.advantage)
              .bind(9, int64_t(x.truncated))
              .bind(10, int64_t(x.tokens.size()));
          sample.bind(11, components.dump());
          sample.bind_blob(12, x.tokens.data(), x.tokens.size() * sizeof(int32_t));
          sample.bind_blob(13, x.logprobs.data(), x.logprobs.size() * sizeof(float));
          sample.bind_blob(14, x.entropy.data(), x.entropy.size() * sizeof(float));
          sample.run();
        }
        last_step = std::max(last_step, v->step);
      } else if (auto* v = std::get_if<wire::Checkpoint>(&r.payload)) {
        ckpt.bind(1, run_id).bind(2, v->step).bind(3, v->path).run();
      } else if (auto* v = std::get_if<wire::Export>(&r.payload)) {
        exported.bind(1, run_id).bind(2, v->path).bind(3, v->step).bind(4, v->format).bind(5, v->type);
        exported.bind(6, v->architecture).bind(7, int64_t(v->bytes)).bind(8, v->wall_time).run();
      } else if (auto* v = std::get_if<wire::Log>(&r.payload)) {
        log.bind(1, run_id)
            .bind(2, int64_t(r.seq))
            .bind(3, v->wall_time)
            .bind(4, int64_t(v->level))
            .bind(5, v->text)
            .run();
      } else if (auto* v = std::get_if<wire::Status>(&r.payload)) {
        // A state this build does not know (a newer runner) is kept as a failure with its words,
        // so the run never looks alive forever.
        const auto state = parse_run_status(v->state);
        const std::string message = state ? v->message : "unknown run state '" + v->state + "': " + v->message;
        status.bind(1, std::string(status_name(state.value_or(RunStatus::Failed)))).bind(2, message);
        status.bind(3, int64_t(is_terminal(state.value_or(RunStatus::Failed)))).bind(4, when(i));
        status.bind(5, run_id).run();
      }
      last = r.seq;
      ++res.applied;
    }
    Stmt upd(db_, "UPDATE runs SET last_seq = ?, last_step = ?, uid = ? WHERE id = ?");
    upd.bind(1, int64_t(last)).bind(2, last_step).bind(3, uid).bind(4, run_id).run();
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  res.last_seq = last;
  return res;
}

std::vector<std::string> Store::metric_names(int64_t run_id) {
  Stmt s(db_, "SELECT DISTINCT name FROM metrics WHERE run_id = ? ORDER BY name");
  s.bind(1, run_id);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

void Store::delete_run(int64_t run_id) {
  Stmt s(db_, "DELETE FROM runs WHERE id = ?");  // metrics, snapshots, checkpoints, logs cascade
  s.bind(1, run_id);
  s.step();
}

// A metric's rows joined to the train/tokens row of the same step: the token axis's x.
constexpr const char* kWithTokens =
    "metrics m JOIN metrics t ON t.run_id = m.run_id AND t.name = 'train/tokens' AND t.step = m.step "
    "WHERE m.run_id = ?1 AND m.name = ?2";

std::vector<MetricPoint> Store::metric_points(int64_t run_id, const std::string& metric, int64_t after_step,
                                              ChartAxis axis) {
  const std::string sql =
      axis == ChartAxis::Step
          ? "SELECT step, step, value FROM metrics WHERE run_id = ?1 AND name = ?2 AND step > ?3 ORDER BY step"
      : axis == ChartAxis::Tokens
          ? std::string("SELECT m.step, CAST(t.value AS INTEGER), m.value FROM ") + kWithTokens +
                " AND m.step > ?3 ORDER BY m.step"
          : "SELECT step, CAST(ROUND((wall_time - (SELECT MIN(wall_time) FROM metrics WHERE run_id = ?1 AND name = "
            "?2)) "
            "* 1000) AS INTEGER), value FROM metrics WHERE run_id = ?1 AND name = ?2 AND step > ?3 ORDER BY step";
  Stmt s(db_, sql.c_str());
  s.bind(1, run_id).bind(2, metric).bind(3, after_step);
  std::vector<MetricPoint> out;
  while (s.step()) out.push_back({s.i64(0), s.i64(1), s.f64(2)});
  return out;
}

int64_t Store::count_metric_points(int64_t run_id, const std::string& metric, int64_t up_to_step, ChartAxis axis) {
  const std::string sql = axis == ChartAxis::Tokens
                              ? std::string("SELECT COUNT(*) FROM ") + kWithTokens + " AND m.step <= ?3"
                              : "SELECT COUNT(*) FROM metrics WHERE run_id = ?1 AND name = ?2 AND step <= ?3";
  Stmt s(db_, sql.c_str());
  s.bind(1, run_id).bind(2, metric).bind(3, up_to_step);
  s.step();
  return s.i64(0);
}

std::vector<LogRow> Store::logs(int64_t run_id, uint64_t after_seq) {
  Stmt s(db_, "SELECT seq, wall_time, level, text FROM logs WHERE run_id = ? AND seq > ? ORDER BY seq");
  s.bind(1, run_id).bind(2, int64_t(after_seq));
  std::vector<LogRow> out;
  while (s.step())
    out.push_back({uint64_t(s.i64(0)), s.f64(1), wire::LogLevel(std::clamp<int64_t>(s.i64(2), 0, 3)), s.text(3)});
  return out;
}

std::vector<ExportRow> Store::exports(int64_t run_id) {
  Stmt s(db_,
         "SELECT path, step, format, type, architecture, bytes, wall_time FROM exports WHERE run_id = ? "
         "ORDER BY wall_time, path");
  s.bind(1, run_id);
  std::vector<ExportRow> out;
  while (s.step()) out.push_back({s.text(0), s.i64(1), s.text(2), s.text(3), s.text(4), uint64_t(s.i64(5)), s.f64(6)});
  return out;
}

std::optional<SnapshotRow> Store::latest_snapshot(int64_t run_id, const std::string& kind) {
  return snapshot_at(run_id, kind, std::numeric_limits<int64_t>::max());
}

std::optional<SnapshotRow> Store::snapshot_at(int64_t run_id, const std::string& kind, int64_t step) {
  Stmt s(db_,
         "SELECT step, rows, cols, payload, labels FROM snapshots WHERE run_id = ? AND kind = ? AND step <= ? "
         "ORDER BY step DESC LIMIT 1");
  s.bind(1, run_id).bind(2, kind).bind(3, step);
  if (!s.step()) return std::nullopt;
  SnapshotRow r;
  r.step = s.i64(0);
  r.rows = static_cast<uint32_t>(s.i64(1));
  r.cols = static_cast<uint32_t>(s.i64(2));
  int bytes = 0;
  const void* p = s.blob(3, &bytes);
  r.data.resize(static_cast<size_t>(bytes) / sizeof(float));
  if (bytes > 0) std::memcpy(r.data.data(), p, r.data.size() * sizeof(float));
  const auto labels = nlohmann::json::parse(s.text(4), nullptr, false);
  if (labels.is_array() && labels.size() == r.rows)
    for (const auto& l : labels) r.row_labels.push_back(l.is_string() ? l.get<std::string>() : l.dump());
  return r;
}

std::optional<int64_t> Store::snapshot_step_at(int64_t run_id, const std::string& kind, int64_t step) {
  Stmt s(db_, "SELECT MAX(step) FROM snapshots WHERE run_id = ? AND kind = ? AND step <= ?");
  s.bind(1, run_id).bind(2, kind).bind(3, step);
  if (!s.step() || s.is_null(0)) return std::nullopt;
  return s.i64(0);
}

std::vector<int64_t> Store::snapshot_steps(int64_t run_id, const std::string& kind) {
  Stmt s(db_, "SELECT step FROM snapshots WHERE run_id = ? AND kind = ? ORDER BY step");
  s.bind(1, run_id).bind(2, kind);
  std::vector<int64_t> out;
  while (s.step()) out.push_back(s.i64(0));
  return out;
}

int64_t Store::count_rows(const std::string& table, int64_t run_id) {
  if (table != "metrics" && table != "snapshots" && table != "checkpoints" && table != "logs" && table != "exports")
    throw StoreError("count_rows: unknown table " + table);
  Stmt s(db_, ("SELECT COUNT(*) FROM " + table + " WHERE run_id = ?").c_str());
  s.bind(1, run_id);
  s.step();
  return s.i64(0);
}

void Store::put_host(const HostRow& h) {
  Stmt s(db_,
         "INSERT INTO hosts(name, ssh_alias, host, port, user, identity_file, workdir, runner, max_runs, slurm) "
         "VALUES(?,?,?,?,?,?,?,?,?,?) "
         "ON CONFLICT(name) DO UPDATE SET ssh_alias = excluded.ssh_alias, host = excluded.host, port = excluded.port, "
         "user = excluded.user, identity_file = excluded.identity_file, workdir = excluded.workdir, "
         "runner = excluded.runner, max_runs = excluded.max_runs, slurm = excluded.slurm");
  s.bind(1, h.name).bind(2, h.ssh_alias).bind(3, h.host).bind(4, int64_t(h.port)).bind(5, h.user);
  s.bind(6, h.identity_file).bind(7, h.workdir).bind(8, h.runner).bind(9, int64_t(h.max_runs)).bind(10, h.slurm).run();
}

std::vector<HostRow> Store::list_hosts() {
  Stmt s(db_,
         "SELECT name, ssh_alias, host, port, user, identity_file, workdir, runner, max_runs, slurm FROM hosts "
         "ORDER BY name");
  std::vector<HostRow> out;
  while (s.step())
    out.push_back({s.text(0), s.text(1), s.text(2), int(s.i64(3)), s.text(4), s.text(5), s.text(6), s.text(7),
                   int(s.i64(8)), s.text(9)});
  return out;
}

std::optional<HostRow> Store::host(const std::string& name) {
  for (auto& h : list_hosts())
    if (h.name == name) return h;
  return std::nullopt;
}

bool Store::remove_host(const std::string& name) {
  Stmt s(db_, "DELETE FROM hosts WHERE name = ?");
  s.bind(1, name).run();
  return sqlite3_changes(db_) > 0;
}

}  // namespace r1wb
