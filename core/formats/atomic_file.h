// Writing a file so that its final name only ever holds the whole of it: the bytes go to a
// hidden temp file beside it, are fsynced, and the temp file is renamed over the name (then
// the folder is fsynced). A writer killed midway leaves only the temp file, which the next
// write to the same name replaces; the final name keeps its previous content or stays absent.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace r1wb {

//! The temp file write_file_atomically uses for `path`: ".<name>.partial" beside it.
std::string partial_path_of(const std::string& path);
//! Writes `bytes` to `path` as above; throws std::runtime_error naming the file on failure.
void write_file_atomically(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace r1wb
