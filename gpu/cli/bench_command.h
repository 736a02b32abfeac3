// `r1wb-run bench CONFIG`: times an experiment's training steps and prints tokens/s, achieved
// model FLOP/s against a same-process sgemm, and the step split (see bench.h).
#pragma once
#include <string>
#include <vector>

namespace r1wb::gpu {
int cmd_bench(const std::vector<std::string>& args);
}
