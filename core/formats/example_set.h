// A set of prompt/completion examples in a file: what distillation's rejection sampling keeps
// (the teacher's verified completions), so the set lives in the run directory and another run
// can train on it again. JSON lines: a header object, then one {"prompt", "completion"} per
// line. The header says where the set came from (free-form `source`), how many examples follow
// and a CRC-32 of the source and of every byte after the header line, so a cut or changed file is refused with
// the file and what is wrong, never read in part. Written atomically (atomic_file.h).
#pragma once
#include "core/tasks/reasoning_tasks.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace r1wb {

struct ExampleSet {
  nlohmann::json source;  //!< who made it and how (teacher, step, task, sampling), as the writer chose
  std::vector<TaskExample> examples;
};

//! Throws std::runtime_error naming the file when it cannot be written.
void write_example_set(const std::string& path, const ExampleSet& set);
//! Throws std::runtime_error naming the file and the fault (missing, not a set, a bad line with
//! its number, fewer or more examples than the header says, a checksum mismatch).
ExampleSet read_example_set(const std::string& path);

}  // namespace r1wb
