#include "core/formats/llama_cpp_logprobs.h"

#include "core/file_bytes.h"
#include "core/formats/atomic_file.h"
#include "core/formats/llama_cpp_script.h"
#include "core/paths.h"
#include "core/run_command.h"

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

namespace fs = std::filesystem;

namespace r1wb {

const char* const kLlamaCppPackageVersion = "3.21.1";

namespace {

bool node_on_path() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string d;
  while (std::getline(dirs, d, ':'))
    if (!d.empty() && ::access((fs::path(d) / "node").c_str(), X_OK) == 0) return true;
  return false;
}

}  // namespace

std::string find_llama_cpp(const std::string& explicit_dir, std::string& why_not) {
  std::string dir = explicit_dir, from = "--llama-cpp";
  if (dir.empty()) {
    const char* env = std::getenv("R1WB_LLAMA_CPP");
    if (env && *env) dir = env, from = "R1WB_LLAMA_CPP";
  }
  if (dir.empty()) dir = (fs::path(default_data_dir()) / "llama-cpp").string(), from = "the default folder";
  const std::string install = std::string("npm install --prefix '") + dir + "' node-llama-cpp@" +
                              kLlamaCppPackageVersion + " @node-llama-cpp/linux-x64@" + kLlamaCppPackageVersion;
  if (!fs::exists(fs::path(dir) / "node_modules" / "node-llama-cpp" / "package.json")) {
    why_not = "no llama.cpp in " + dir + " (" + from + "): install it with `" + install + "`";
    return "";
  }
  if (!node_on_path()) {
    why_not = "llama.cpp is in " + dir + " but `node` is not on the PATH (Debian: apt install nodejs)";
    return "";
  }
  return dir;
}

NextLogprobs llama_cpp_logprobs(const std::string& llama_cpp_dir, const std::string& gguf_path,
                                const std::string& text, int context_size) {
  const auto script = fs::path(llama_cpp_dir) / "r1wb-logprobs.mjs";
  if (read_file_or_empty(script.string()) != kLlamaCppLogprobsScript) {
    const std::string body = kLlamaCppLogprobsScript;
    write_file_atomically(script.string(), std::vector<uint8_t>(body.begin(), body.end()));
  }
  const auto r = run_command({"node", script.string(), fs::absolute(gguf_path).string(), text,
                              std::to_string(context_size)},
                             300);
  if (r.exit_code == 3) throw std::runtime_error("llama.cpp did not load " + gguf_path + ":\n" + r.err);
  if (r.exit_code != 0)
    throw std::runtime_error("llama.cpp (node " + script.string() + ") exited with " + std::to_string(r.exit_code) +
                             ":\n" + r.err);
  try {
    return parse_next_logprobs(r.out);
  } catch (const std::exception& e) {
    throw std::runtime_error("llama.cpp's output for " + gguf_path + ": " + e.what());
  }
}

}  // namespace r1wb
