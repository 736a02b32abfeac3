#include "core/slurm/slurm_job_state.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>
#include <stdexcept>

namespace r1wb::slurm {
namespace {

//! "KEY=value KEY2=value with spaces KEY3=..." into a map: a field starts at a space followed by
//! a key (letters, digits, '/', ':', '_') and '='.
std::map<std::string, std::string> scontrol_fields(const std::string& line) {
  std::map<std::string, std::string> out;
  std::vector<std::pair<size_t, size_t>> starts;  // (key start, '=' position)
  for (size_t i = 0; i < line.size(); ++i) {
    if (i != 0 && line[i - 1] != ' ') continue;
    size_t k = i;
    while (k < line.size() && (std::isalnum(static_cast<unsigned char>(line[k])) || line[k] == '/' ||
                               line[k] == ':' || line[k] == '_'))
      ++k;
    if (k > i && k < line.size() && line[k] == '=') starts.push_back({i, k});
  }
  for (size_t n = 0; n < starts.size(); ++n) {
    const size_t end = n + 1 < starts.size() ? starts[n + 1].first - 1 : line.size();
    std::string value = line.substr(starts[n].second + 1, end - starts[n].second - 1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\n')) value.pop_back();
    out[line.substr(starts[n].first, starts[n].second - starts[n].first)] = value;
  }
  return out;
}

int64_t parse_duration(const std::string& s) {  // [D-]HH:MM:SS, MM:SS; -1 for UNLIMITED and the like
  int d = 0, h = 0, m = 0, sec = 0;
  if (std::sscanf(s.c_str(), "%d-%d:%d:%d", &d, &h, &m, &sec) == 4) return ((d * 24 + h) * 60 + m) * 60 + sec;
  if (std::sscanf(s.c_str(), "%d:%d:%d", &h, &m, &sec) == 3) return (h * 60 + m) * 60 + sec;
  if (std::sscanf(s.c_str(), "%d:%d", &m, &sec) == 2) return m * 60 + sec;
  return -1;
}

//! A number as 22.05 writes it, or 23.02+'s {"set": true, "number": N}; `fallback` when unset.
int64_t number(const nlohmann::json& v, int64_t fallback = 0) {
  if (v.is_number()) return v.get<int64_t>();
  if (v.is_object() && v.value("set", false) && v.contains("number") && v["number"].is_number())
    return v["number"].get<int64_t>();
  return fallback;
}

std::string text(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) return {};
  const auto& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array() && !v.empty() && v[0].is_string()) return v[0].get<std::string>();  // 23.02+: state lists
  return {};
}

}  // namespace

std::optional<JobInfo> parse_scontrol_line(const std::string& line) {
  const auto f = scontrol_fields(line);
  const auto get = [&](const char* k) {
    const auto it = f.find(k);
    return it == f.end() ? std::string() : it->second;
  };
  if (get("JobId").empty()) return std::nullopt;
  JobInfo j;
  j.id = get("JobId");
  if (const auto task = get("ArrayTaskId"); !get("ArrayJobId").empty() && !task.empty())
    j.id = get("ArrayJobId") + "_" + task;
  j.name = get("JobName");
  j.user = get("UserId").substr(0, get("UserId").find('('));
  j.state = get("JobState");
  j.reason = get("Reason");
  j.nodes = get("NodeList");
  if (j.nodes == "(null)") j.nodes.clear();
  j.partition = get("Partition");
  j.work_dir = get("WorkDir");
  std::sscanf(get("ExitCode").c_str(), "%d:%d", &j.exit_code, &j.exit_signal);
  j.restarts = std::atoi(get("Restarts").c_str());
  j.requeue = get("Requeue") == "1";
  j.elapsed_s = std::max<int64_t>(0, parse_duration(get("RunTime")));
  j.time_limit_s = parse_duration(get("TimeLimit"));
  return j;
}

std::vector<JobInfo> parse_squeue_json(const std::string& text_in, int64_t now) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text_in);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("squeue --json printed no JSON: ") + e.what());
  }
  if (!doc.is_object() || !doc.contains("jobs") || !doc["jobs"].is_array())
    throw std::runtime_error("squeue --json printed no \"jobs\" list");
  std::vector<JobInfo> out;
  for (const auto& j : doc["jobs"]) {
    JobInfo i;
    i.id = std::to_string(number(j.value("job_id", nlohmann::json())));
    const int64_t task = number(j.value("array_task_id", nlohmann::json()), -1);
    if (number(j.value("array_job_id", nlohmann::json())) != 0 && task >= 0)
      i.id = std::to_string(number(j["array_job_id"])) + "_" + std::to_string(task);
    i.name = text(j, "name");
    i.user = text(j, "user_name");
    i.state = text(j, "job_state");
    i.reason = text(j, "state_reason");
    i.nodes = text(j, "nodes");
    i.partition = text(j, "partition");
    i.work_dir = text(j, "current_working_directory");
    i.restarts = int(number(j.value("restart_cnt", nlohmann::json())));
    const auto& ec = j.value("exit_code", nlohmann::json());
    if (ec.is_number()) {  // 22.05: the wait status
      const int status = ec.get<int>();
      i.exit_code = (status >> 8) & 0xff, i.exit_signal = status & 0x7f;
    } else if (ec.is_object()) {  // 23.02+: {"return_code": {...}, "signal": {"id": {...}}}
      i.exit_code = int(number(ec.value("return_code", nlohmann::json())));
      if (ec.contains("signal") && ec["signal"].is_object())
        i.exit_signal = int(number(ec["signal"].value("id", nlohmann::json())));
    }
    const int64_t start = number(j.value("start_time", nlohmann::json())),
                  end = number(j.value("end_time", nlohmann::json()));
    if (i.state == "RUNNING" && start > 0) i.elapsed_s = std::max<int64_t>(0, now - start);
    else if (start > 0 && end >= start && i.state != "PENDING") i.elapsed_s = end - start;
    const int64_t limit = number(j.value("time_limit", nlohmann::json()), -1);
    i.time_limit_s = limit >= 0 ? limit * 60 : -1;
    out.push_back(std::move(i));
  }
  return out;
}

bool about_to_requeue(const JobInfo& j) { return j.requeue && (j.state == "NODE_FAIL" || j.state == "PREEMPTED"); }

Phase phase_of(const JobInfo& j) {
  const std::string& s = j.state;
  if (about_to_requeue(j)) return Phase::Waiting;
  if (s == "PENDING" || s == "REQUEUED" || s == "REQUEUE_HOLD" || s == "REQUEUE_FED" || s == "RESV_DEL_HOLD" ||
      s == "CONFIGURING" || s == "RESIZING" || s == "SUSPENDED" || s == "STOPPED" || s == "SPECIAL_EXIT")
    return Phase::Waiting;
  if (s == "RUNNING" || s == "COMPLETING" || s == "SIGNALING" || s == "STAGE_OUT") return Phase::Running;
  return Phase::Ended;
}

RunStatus status_of(const JobInfo& j) {
  switch (phase_of(j)) {
    case Phase::Waiting:
      return j.restarts > 0 || j.state.rfind("REQUEUE", 0) == 0 || about_to_requeue(j) ? RunStatus::Preempted
                                                                                      : RunStatus::Pending;
    case Phase::Running: return RunStatus::Running;
    case Phase::Ended: break;
  }
  if (j.state == "COMPLETED") return RunStatus::Completed;
  if (j.state == "CANCELLED") return RunStatus::Cancelled;
  if (j.state == "TIMEOUT") return RunStatus::TimedOut;
  if (j.state == "PREEMPTED") return RunStatus::Preempted;
  return RunStatus::Failed;
}

int exit_code_of(const JobInfo& j) { return j.exit_signal ? 128 + j.exit_signal : j.exit_code; }

std::string format_duration(int64_t s) {
  char buf[40];
  const int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
  if (d) std::snprintf(buf, sizeof buf, "%lld-%02lld:%02lld:%02lld", (long long)d, (long long)h, (long long)m, (long long)sec);
  else if (h) std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", (long long)h, (long long)m, (long long)sec);
  else std::snprintf(buf, sizeof buf, "%lld:%02lld", (long long)m, (long long)sec);
  return buf;
}

std::string describe(const JobInfo& j) {
  const std::string job = "Slurm job " + j.id;
  const std::string why = j.reason.empty() || j.reason == "None" ? "" : " (" + j.reason + ")";
  if (about_to_requeue(j)) return job + " ended as " + j.state + "; requeueable, waiting for Slurm to queue it again";
  switch (status_of(j)) {
    case RunStatus::Pending: return job + " pending" + why;
    case RunStatus::Preempted:
      return job + " requeued (" + std::to_string(j.restarts) + " restart" + (j.restarts == 1 ? "" : "s") +
             "), waiting to resume" + why;
    case RunStatus::Running: return job + " running on " + (j.nodes.empty() ? "?" : j.nodes) + ", " + format_duration(j.elapsed_s);
    case RunStatus::Completed: return job + " completed after " + format_duration(j.elapsed_s);
    case RunStatus::Cancelled: return job + " cancelled after " + format_duration(j.elapsed_s);
    case RunStatus::TimedOut:
      return job + " reached its time limit (" + (j.time_limit_s >= 0 ? format_duration(j.time_limit_s) : "?") + ")";
    default:
      return job + " " + j.state + (j.exit_signal ? " by signal " + std::to_string(j.exit_signal)
                                                  : " with exit code " + std::to_string(j.exit_code)) + why;
  }
}

}  // namespace r1wb::slurm
