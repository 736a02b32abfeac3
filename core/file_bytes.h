// A whole file's bytes as a string: the one reader the core's small files (a config to send,
// known_hosts, a corpus file to hash, the llama.cpp script beside an install) share.
#pragma once
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace r1wb {

//! Throws std::runtime_error("cannot read PATH") when it cannot be opened.
inline std::string read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

//! "" for a file that is not there (or cannot be opened): for files whose absence means empty.
inline std::string read_file_or_empty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return in ? std::string(std::istreambuf_iterator<char>(in), {}) : std::string();
}

}  // namespace r1wb
