// What neither llama.cpp architecture the exporter writes can run, whatever the layout: the
// model settings llama.cpp's graphs have no counterpart for. Each architecture adds its own
// (gguf_llama.h, gguf_deepseek2.h). Lines read "field: value: why; what exports".
#pragma once
#include "core/config/config.h"

#include <string>
#include <vector>

namespace r1wb::gpu {

std::vector<std::string> runtime_blockers(const Experiment& e);

}  // namespace r1wb::gpu
