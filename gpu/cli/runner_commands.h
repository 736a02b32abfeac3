// The r1wb-run command line: the table of commands (commands.h) and their usage.
#pragma once
#include <string>
#include <vector>

namespace r1wb::gpu {

//! Dispatches argv (without the program name) to a command; returns the exit code.
int run_command_line(const std::vector<std::string>& args);

}  // namespace r1wb::gpu
