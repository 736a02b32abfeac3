// `r1wb-run start` and `r1wb-run follow`: a run that outlives the connection that started it
// (core/jobs/detached_runner.h) and its stream for whoever connects later (core/jobs/run_follow.h).
// An SSH job runs both on the node; nothing here needs LibTorch, the runner it starts does.
#include "core/jobs/detached_runner.h"
#include "core/jobs/run_follow.h"
#include "gpu/cli/cli_args.h"
#include "gpu/cli/commands.h"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <climits>
#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;

namespace r1wb::gpu {
namespace {

const char* kStartUsage =
    "usage: r1wb-run start RUN_DIR [--steps N] [--nproc N]\n"
    "\n"
    "Trains RUN_DIR/config.json in RUN_DIR (resuming from its newest checkpoint) detached: in a\n"
    "session of its own, every descriptor redirected (stderr to RUN_DIR/runner.log), so it outlives\n"
    "the terminal or SSH connection that started it. Prints {\"supervisor\":PID,\"runner\":PID} once\n"
    "RUN_DIR/runner.pid is written; RUN_DIR/runner.exit gets the exit code when it ends.\n"
    "Follow it with `r1wb-run follow RUN_DIR`. Refused while a runner of RUN_DIR is running.\n";

const char* kFollowUsage =
    "usage: r1wb-run follow RUN_DIR [--after SEQ]\n"
    "\n"
    "Writes the event stream of a started run to stdout: every record of RUN_DIR/events.log with\n"
    "seq > SEQ (default 0), then each one as the runner appends it, until the runner has ended.\n"
    "Requests on stdin (a pipe or socket): resend after a seq, stop, probe. Exits with the\n"
    "runner's exit code; 1 when it vanished without one, 2 when RUN_DIR never had a runner.\n"
    "Ending the follow never touches the runner.\n";

std::string self_executable() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, size_t(n)) : std::string("r1wb-run");
}

}  // namespace

int cmd_start(const std::vector<std::string>& args) {
  if (wants_help(args)) return std::cout << kStartUsage, kExitOk;
  std::string err;
  auto a = parse_args(args, {"steps", "nproc"}, {}, err);
  if (!a) return usage_error(err, kStartUsage);
  if (a->positional.size() != 1) return usage_error("start takes one RUN_DIR", kStartUsage);
  const std::string run_dir = fs::absolute(a->positional[0]).lexically_normal().string();
  const std::string config = (fs::path(run_dir) / "config.json").string();
  if (!fs::exists(config)) {
    std::cerr << "r1wb-run start: " << config << " does not exist (upload the experiment first)\n";
    return kExitUsage;
  }
  std::vector<std::string> argv{self_executable(), "train", config, "--run-dir", run_dir, "--no-stream"};
  for (const char* o : {"steps", "nproc"})
    if (a->options.count(o)) argv.insert(argv.end(), {std::string("--") + o, a->options[o]});
  try {
    const auto p = start_detached(argv, run_dir);
    std::cout << nlohmann::json{{"supervisor", p.supervisor}, {"runner", p.runner}}.dump() << "\n";
    return kExitOk;
  } catch (const std::exception& e) {
    std::cerr << "r1wb-run start: " << e.what() << "\n";
    return kExitFailure;
  }
}

int cmd_follow(const std::vector<std::string>& args) {
  if (wants_help(args)) return std::cout << kFollowUsage, kExitOk;
  std::string err;
  auto a = parse_args(args, {"after"}, {}, err);
  if (!a) return usage_error(err, kFollowUsage);
  if (a->positional.size() != 1) return usage_error("follow takes one RUN_DIR", kFollowUsage);
  const auto after = int_option(*a, "after", 0, 0);
  if (!after) return usage_error("--after takes a seq (an integer >= 0)", kFollowUsage);
  return follow_run(a->positional[0], uint64_t(*after), STDIN_FILENO, STDOUT_FILENO, std::cerr);
}

}  // namespace r1wb::gpu
