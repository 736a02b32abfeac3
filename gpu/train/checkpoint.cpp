#include "gpu/train/checkpoint.h"

#include "core/wire/crc32.h"

#include <c10/util/Exception.h>
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
const char* kManifest = "manifest.json";
const char* kTensorFiles[] = {"model.pt", "optimizer.pt"};
const char* kStateFile = "trainer.json";

fs::path checkpoints_dir(const std::string& run_dir) { return fs::path(run_dir) / "checkpoints"; }
fs::path step_dir(const std::string& run_dir, int64_t step) {
  return checkpoints_dir(run_dir) / (kPrefix + std::to_string(step));
}

void fsync_path(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

//! A directory is a checkpoint once its manifest is there; one written before manifests
//! existed needs all three files.
bool is_complete(const fs::path& dir) {
  if (fs::exists(dir / kManifest)) return true;
  return fs::exists(dir / kTensorFiles[0]) && fs::exists(dir / kTensorFiles[1]) && fs::exists(dir / kStateFile);
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
      if (used == name.size() - 5 && is_complete(e.path())) steps.push_back(step);
    } catch (...) {}
  }
  std::sort(steps.begin(), steps.end());
  return steps;
}

struct FileSum {
  uint64_t bytes = 0;
  uint32_t crc = 0;
};

std::optional<FileSum> sum_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  FileSum s;
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), std::streamsize(buf.size()));
    const auto n = size_t(in.gcount());
    s.crc = crc32(buf.data(), n, s.crc);
    s.bytes += n;
  }
  if (in.bad()) return std::nullopt;
  return s;
}

//! The error's first line, without LibTorch's backtrace.
std::string reason(const std::exception& e) {
  const auto* c10 = dynamic_cast<const c10::Error*>(&e);
  std::string s = c10 ? c10->what_without_backtrace() : e.what();
  if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
  return s;
}

//! The key path of the first tensor in `a` that is not finite; empty when every one is.
std::string first_nonfinite(torch::serialize::InputArchive& a, const std::string& prefix = "") {
  for (const auto& key : a.keys()) {
    torch::Tensor t;
    if (a.try_read(key, t)) {
      if (t.defined() && !t.isfinite().all().item<bool>()) return prefix + key;
      continue;
    }
    torch::serialize::InputArchive sub;
    if (a.try_read(key, sub))
      if (auto bad = first_nonfinite(sub, prefix + key + "/"); !bad.empty()) return bad;
  }
  return {};
}

//! Reads a written tensor file back: it must decode and every tensor in it must be finite.
void check_written(const fs::path& file, int64_t step) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(file.string());
  } catch (const std::exception& e) {
    throw CheckpointError("checkpoint step-" + std::to_string(step) + ": " + file.filename().string() +
                          " does not read back: " + reason(e));
  }
  if (auto bad = first_nonfinite(archive); !bad.empty())
    throw CheckpointError("not writing checkpoint step-" + std::to_string(step) + ": " + file.filename().string() +
                          " holds non-finite values (" + bad + ")");
}

template <class Saveable>
void save_archive(Saveable& what, const fs::path& file) {
  torch::serialize::OutputArchive archive;
  what.save(archive);
  archive.save_to(file.string());
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
  try {
    save_archive(model, tmp / kTensorFiles[0]);
    save_archive(optimizer, tmp / kTensorFiles[1]);
    {
      std::ofstream out(tmp / kStateFile);
      auto state = trainer_state.is_object() ? trainer_state : nlohmann::json::object();
      state["step"] = step;
      state["checkpoint_format"] = 1;  // tells a missing manifest from a checkpoint written before them
      out << state.dump() << "\n";
      out.flush();
      if (!out) throw CheckpointError("checkpoint step-" + std::to_string(step) + ": cannot write trainer.json");
    }
    for (const char* f : kTensorFiles) check_written(tmp / f, step);
    nlohmann::json manifest = {{"format", 1}, {"step", step}, {"files", nlohmann::json::object()}};
    for (const char* f : {kTensorFiles[0], kTensorFiles[1], kStateFile}) {
      fsync_path(tmp / f);
      const auto sum = sum_file(tmp / f);
      if (!sum) throw CheckpointError("checkpoint step-" + std::to_string(step) + ": cannot read back " + f);
      manifest["files"][f] = {{"bytes", sum->bytes}, {"crc32", sum->crc}};
    }
    {
      std::ofstream out(tmp / kManifest);
      out << manifest.dump(1) << "\n";
      out.flush();
      if (!out) throw CheckpointError("checkpoint step-" + std::to_string(step) + ": cannot write manifest.json");
    }
    fsync_path(tmp / kManifest);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);  // half a checkpoint is nothing: the older ones stay as they are
    throw;
  }
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

std::string verify_checkpoint(const std::string& run_dir, int64_t step) {
  const auto dir = step_dir(run_dir, step);
  const std::string where = dir.string() + "/";
  if (!fs::exists(dir / kManifest)) {
    for (const char* f : {kTensorFiles[0], kTensorFiles[1], kStateFile})
      if (!fs::exists(dir / f)) return where + f + " is missing (an incomplete checkpoint)";
    std::ifstream in(dir / kStateFile);
    const auto state = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!state.is_object() || state.contains("checkpoint_format")) return where + kManifest + " is missing";
    return {};  // written before manifests: loading is the only check
  }
  std::ifstream in(dir / kManifest);
  const auto manifest = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!manifest.is_object() || !manifest.contains("files") || !manifest["files"].is_object())
    return where + kManifest + " is not a checkpoint manifest (damaged)";
  for (const char* f : {kTensorFiles[0], kTensorFiles[1], kStateFile}) {
    const auto& entry = manifest["files"].value(f, nlohmann::json());
    if (!entry.is_object() || !entry.value("bytes", nlohmann::json()).is_number_unsigned() ||
        !entry.value("crc32", nlohmann::json()).is_number_unsigned())
      return where + kManifest + " has no valid entry for " + f + " (damaged)";
    const auto sum = sum_file(dir / f);
    if (!sum) return where + f + " is missing or unreadable";
    const auto bytes = entry["bytes"].get<uint64_t>();
    const auto crc = entry["crc32"].get<uint64_t>();
    if (sum->bytes != bytes)
      return where + f + " holds " + std::to_string(sum->bytes) + " bytes, its manifest says " + std::to_string(bytes);
    if (sum->crc != crc) return where + f + " is damaged (its CRC-32 does not match the manifest)";
  }
  return {};
}

namespace {
template <class Loadable>
void load_archive(Loadable& into, const fs::path& file, torch::Device device) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(file.string(), device);
    into.load(archive);
  } catch (const std::exception& e) {
    throw CheckpointError(file.string() + " does not load: " + reason(e));
  }
}
}  // namespace

nlohmann::json load_checkpoint(const std::string& run_dir, int64_t step, torch::nn::Module& model,
                               torch::optim::Optimizer& optimizer, torch::Device device) {
  if (auto problem = verify_checkpoint(run_dir, step); !problem.empty()) throw CheckpointError(problem);
  const auto dir = step_dir(run_dir, step);
  load_archive(model, dir / kTensorFiles[0], device);
  load_archive(optimizer, dir / kTensorFiles[1], device);
  std::ifstream in(dir / kStateFile);
  auto state = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!state.is_object()) throw CheckpointError((dir / kStateFile).string() + " is not a JSON object (damaged)");
  return state;
}

std::optional<ResumePoint> load_newest_intact_checkpoint(const std::string& run_dir, torch::nn::Module& model,
                                                         torch::optim::Optimizer& optimizer, torch::Device device,
                                                         const std::function<void(const std::string&)>& warn) {
  const auto steps = complete_steps(run_dir);
  if (steps.empty()) return std::nullopt;
  std::vector<std::pair<int64_t, std::string>> damaged;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    try {
      ResumePoint p{*it, load_checkpoint(run_dir, *it, model, optimizer, device)};
      for (const auto& [step, why] : damaged) {
        auto aside = step_dir(run_dir, step).string() + ".damaged";
        for (int n = 2; fs::exists(aside); ++n)
          aside = step_dir(run_dir, step).string() + ".damaged-" + std::to_string(n);
        fs::rename(step_dir(run_dir, step), aside);
        warn("checkpoint step-" + std::to_string(step) + " is damaged (" + why + "): moved to " + aside +
             "; resuming from step " + std::to_string(*it));
      }
      return p;
    } catch (const CheckpointError& e) {
      damaged.emplace_back(*it, e.what());
    }
  }
  std::string all;
  for (const auto& [step, why] : damaged) all += "\n  step-" + std::to_string(step) + ": " + why;
  throw CheckpointError("no intact checkpoint in " + checkpoints_dir(run_dir).string() +
                        " (move them aside to start the run over):" + all);
}

int64_t load_model_weights(const std::string& run_dir, std::optional<int64_t> step, torch::nn::Module& model,
                           torch::Device device, const std::function<void(const std::string&)>& warn) {
  auto steps = complete_steps(run_dir);
  if (step) {
    if (std::find(steps.begin(), steps.end(), *step) == steps.end()) {
      std::string have;
      for (auto s : steps) have += (have.empty() ? "" : ", ") + std::to_string(s);
      throw CheckpointError(run_dir + " has no checkpoint at step " + std::to_string(*step) +
                            (have.empty() ? " (it has none)" : " (it has steps " + have + ")"));
    }
    steps = {*step};
  }
  if (steps.empty()) throw CheckpointError(run_dir + " has no checkpoint (" + checkpoints_dir(run_dir).string() + ")");
  std::string all;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    try {
      if (auto problem = verify_checkpoint(run_dir, *it); !problem.empty()) throw CheckpointError(problem);
      load_archive(model, step_dir(run_dir, *it) / kTensorFiles[0], device);
      if (!all.empty()) warn("skipped damaged checkpoints, using step " + std::to_string(*it) + ":" + all);
      return *it;
    } catch (const CheckpointError& e) {
      all += "\n  step-" + std::to_string(*it) + ": " + e.what();
    }
  }
  throw CheckpointError(step ? all.substr(all.find(": ") + 2) : "no intact checkpoint in " + run_dir + ":" + all);
}

void prune_checkpoints(const std::string& run_dir, int keep) {
  auto steps = complete_steps(run_dir);
  for (size_t i = 0; i + keep < steps.size(); ++i) fs::remove_all(step_dir(run_dir, steps[i]));
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(checkpoints_dir(run_dir), ec))
    if (e.path().filename().string().rfind(".tmp-", 0) == 0) fs::remove_all(e.path());
}

}  // namespace r1wb::gpu
