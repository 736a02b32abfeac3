// r1wb-run: the engine process and command line (see gpu/cli/runner_commands.h).
#include "gpu/cli/runner_commands.h"

int main(int argc, char** argv) { return r1wb::gpu::run_command_line(std::vector<std::string>(argv + 1, argv + argc)); }
