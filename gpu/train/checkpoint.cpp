#include "gpu/train/checkpoint.h"

#include <torch/serialize.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;

namespace r1wb::gpu {
namespace {

const char* kPrefix = "step-";

fs::path checkpoints_dir(const std::string& run_dir) { return fs::path(run_dir) / "checkpoints"; }

void fsync_path(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

std::vector<int64_t> complete_steps(const std::string& run_dir) {
  std::vector<int64_t> steps;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(checkpoints_dir(run_dir), ec)) {
    const auto name = e.path().filename().string();
    if (!e.is_directory() || name.rfind(kPrefix, 0) != 0) continue;
    try {
      size_t used = 0;
      int64_t step = std::stoll(name.substr(5), &used);
      if (used == name.size() - 5 && fs::exists(e.path() / "trainer.json")) steps.push_back(step);
    } catch (...) {}
  }
  std::sort(steps.begin(), steps.end());
  return steps;
}

}  // namespace

std::string save_checkpoint(const std::string& run_dir, int64_t step, torch::nn::Module& model,
                            torch::optim::Optimizer& optimizer, const nlohmann::json& trainer_state) {
  const auto dir = checkpoints_dir(run_dir);
  const auto name = kPrefix + std::to_string(step);
  const auto tmp = dir / (".tmp-" + name);
  const auto final_dir = dir / name;
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  {
    torch::serialize::OutputArchive archive;
    model.save(archive);
    archive.save_to((tmp / "model.pt").string());
  }
  {
    torch::serialize::OutputArchive archive;
    optimizer.save(archive);
    archive.save_to((tmp / "optimizer.pt").string());
  }
  {
    std::ofstream out(tmp / "trainer.json");
    auto state = trainer_state.is_object() ? trainer_state : nlohmann::json::object();
    state["step"] = step;
    out << state.dump() << "\n";
  }
  for (const char* f : {"model.pt", "optimizer.pt", "trainer.json"}) fsync_path(tmp / f);
  fs::remove_all(final_dir);  // a checkpoint of the same step from an abandoned timeline
  fs::rename(tmp, final_dir);
  fsync_path(dir);
  return (fs::path("checkpoints") / name).string();
}

std::optional<int64_t> newest_checkpoint(const std::string& run_dir) {
  auto steps = complete_steps(run_dir);
  if (steps.empty()) return std::nullopt;
  return steps.back();
}

nlohmann::json load_checkpoint(const std::string& run_dir, int64_t step, torch::nn::Module& model,
                               torch::optim::Optimizer& optimizer, torch::Device device) {
  const auto dir = checkpoints_dir(run_dir) / (kPrefix + std::to_string(step));
  {
    torch::serialize::InputArchive archive;
    archive.load_from((dir / "model.pt").string(), device);
    model.load(archive);
  }
  {
    torch::serialize::InputArchive archive;
    archive.load_from((dir / "optimizer.pt").string(), device);
    optimizer.load(archive);
  }
  std::ifstream in(dir / "trainer.json");
  auto state = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  return state.is_object() ? state : nlohmann::json::object();
}

void prune_checkpoints(const std::string& run_dir, int keep) {
  auto steps = complete_steps(run_dir);
  for (size_t i = 0; i + keep < steps.size(); ++i)
    fs::remove_all(checkpoints_dir(run_dir) / (kPrefix + std::to_string(steps[i])));
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(checkpoints_dir(run_dir), ec))
    if (e.path().filename().string().rfind(".tmp-", 0) == 0) fs::remove_all(e.path());
}

}  // namespace r1wb::gpu
