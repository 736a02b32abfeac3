#include "core/store/run_status.h"

#include <array>
#include <utility>

namespace r1wb {
namespace {

constexpr std::array<std::pair<RunStatus, const char*>, 7> kNames{{
    {RunStatus::Created, "created"},
    {RunStatus::Queued, "queued"},
    {RunStatus::Running, "running"},
    {RunStatus::Unreachable, "unreachable"},
    {RunStatus::Completed, "completed"},
    {RunStatus::Stopped, "stopped"},
    {RunStatus::Failed, "failed"},
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

bool is_terminal(RunStatus s) { return s == RunStatus::Completed || s == RunStatus::Stopped || s == RunStatus::Failed; }

}  // namespace r1wb
