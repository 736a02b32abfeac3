#include "core/paths.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;

namespace r1wb {

std::string default_data_dir() {
  fs::path base;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x)
    base = x;
  else if (const char* h = std::getenv("HOME"); h && *h)
    base = fs::path(h) / ".local" / "share";
  else
    base = fs::temp_directory_path();
  fs::path dir = base / "r1wb";
  std::error_code ec;
  fs::create_directories(dir, ec);
  return dir.string();
}

std::string default_store_path() { return (fs::path(default_data_dir()) / "workbench.db").string(); }
std::string default_runs_dir() { return (fs::path(default_data_dir()) / "runs").string(); }

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  auto p = fs::weakly_canonical(fs::absolute(path), ec);
  return ec ? fs::absolute(path).lexically_normal().string() : p.string();
}

std::string tail_lines(const std::string& path, int lines) {
  std::ifstream in(path);
  if (!in) return {};
  std::vector<std::string> all;
  for (std::string l; std::getline(in, l);) all.push_back(l);
  std::ostringstream out;
  for (size_t i = all.size() > size_t(lines) ? all.size() - lines : 0; i < all.size(); ++i) out << all[i] << "\n";
  return out.str();
}

double wall_clock_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

}  // namespace r1wb
