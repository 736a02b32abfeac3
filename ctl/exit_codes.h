// r1wb-ctl's exit codes, the runner's where a command follows a run (0 done, 1 failed, 3 stopped,
// 4 done with records lost) and 2 for bad usage, as r1wb-run's are.
#pragma once

namespace r1wb::ctl {

constexpr int kOk = 0, kFailure = 1, kUsage = 2;
constexpr int kDetached = 130;  //!< Ctrl-C left a followed run going on its host

}  // namespace r1wb::ctl
