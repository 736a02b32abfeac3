#include "core/store/run_status.h"

#include <array>
#include <utility>

namespace r1wb {
namespace {

constexpr std::array<std::pair<RunStatus, const char*>, 11> kNames{{
    {RunStatus::Created, "created"},
    {RunStatus::Queued, "queued"},
    {RunStatus::Pending, "pending"},
    {RunStatus::Running, "running"},
    {RunStatus::Unreachable, "unreachable"},
    {RunStatus::Preempted, "preempted"},
    {RunStatus::Completed, "completed"},
    {RunStatus::Stopped, "stopped"},
    {RunStatus::Failed, "failed"},
    {RunStatus::Cancelled, "cancelled"},
    {RunStatus::TimedOut, "timed-out"},
}};

}  // namespace

const char* status_name(RunStatus s) {
  for (const auto& [status, name] : kNames)
    if (status == s) return name;
  return "unknown";
}

std::optional<RunStatus> parse_run_status(std::string_view name) {
  for (const auto& [status, n] : kNames)
    if (name == n) return status;
  return std::nullopt;
}

bool is_terminal(RunStatus s) {
  return s == RunStatus::Completed || s == RunStatus::Stopped || s == RunStatus::Failed || s == RunStatus::Cancelled ||
         s == RunStatus::TimedOut;
}

bool is_live(RunStatus s) {
  return s == RunStatus::Running || s == RunStatus::Unreachable || s == RunStatus::Pending || s == RunStatus::Preempted;
}

}  // namespace r1wb
