// r1wb-ctl's exit codes, the runner's where a command follows a run (0 done, 1 failed, 3 stopped,
// 4 done with records lost) and 2 for bad usage, as r1wb-run's are; and how bad usage is said.
#pragma once
#include <iostream>
#include <string>

namespace r1wb::ctl {

constexpr int kOk = 0, kFailure = 1, kUsage = 2;
constexpr int kDetached = 130;  //!< Ctrl-C left a followed run going on its host

//! "r1wb-ctl COMMAND: MSG" ("r1wb-ctl: MSG" for an empty COMMAND) and the usage on stderr;
//! returns kUsage.
inline int usage_error(const std::string& command, const std::string& msg, const char* usage) {
  std::cerr << "r1wb-ctl" << (command.empty() ? "" : " " + command) << ": " << msg << "\n\n" << usage;
  return kUsage;
}

}  // namespace r1wb::ctl
