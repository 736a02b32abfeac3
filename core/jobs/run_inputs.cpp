#include "core/jobs/run_inputs.h"

#include "core/file_bytes.h"
#include "core/remote/sftp_fetch.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

namespace fs = std::filesystem;

namespace r1wb {
namespace {

//! The files of an input, relative to it ("" for a single file), in path order.
std::vector<std::string> files_of(const RunInput& in) {
  if (!in.folder) return {""};
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(in.local_path))
    if (e.is_regular_file()) files.push_back(fs::relative(e.path(), in.local_path).string());
  std::sort(files.begin(), files.end());
  return files;
}

std::string text_at(const nlohmann::json& j, const char* pointer) {
  const auto p = nlohmann::json::json_pointer(pointer);
  return j.contains(p) && j[p].is_string() ? j[p].get<std::string>() : std::string();
}

}  // namespace

std::vector<RunInput> local_run_inputs(const std::string& config_json) {
  const auto j = nlohmann::json::parse(config_json);
  std::vector<RunInput> inputs;
  for (const auto& [pointer, field] : {std::pair{"/data/corpus", "data.corpus"}, {"/distill/dataset", "distill.dataset"}}) {
    const auto path = text_at(j, pointer);
    if (path.empty()) continue;
    const auto abs = fs::absolute(path).lexically_normal();
    if (!fs::exists(abs)) continue;  // a path on the host (a corpus already there): the node resolves it
    inputs.push_back({field, abs.string(), fs::is_directory(abs)});
  }
  return inputs;
}

std::string input_digest(const RunInput& in) {
  if (!in.folder) return remote::sha256_of_file(in.local_path);
  std::string listing;
  for (const auto& f : files_of(in)) listing += f + '\n' + remote::sha256_of_file((fs::path(in.local_path) / f).string()) + '\n';
  return remote::sha256_of_text(listing);
}

std::string upload_run_inputs(remote::SshSession& ssh, const std::string& remote_run_dir, const std::string& config_json,
                              const std::function<void(const std::string&)>& progress) {
  const auto inputs = local_run_inputs(config_json);
  if (inputs.empty()) return config_json;
  auto j = nlohmann::json::parse(config_json);
  const auto parent = fs::path(remote_run_dir).parent_path();
  const auto root = (parent.empty() ? fs::path(".r1wb-inputs") : parent / ".r1wb-inputs");
  for (const auto& in : inputs) {
    const auto dir = root / input_digest(in);
    const auto name = fs::path(in.local_path).filename();
    const auto target = (dir / name).string();
    const auto qdir = remote::shell_quote(dir.string());
    if (ssh.exec("test -e " + qdir + "/.complete").exit_status != 0) {
      const auto files = files_of(in);
      for (size_t i = 0; i < files.size(); ++i) {
        const auto remote_file = files[i].empty() ? fs::path(target) : fs::path(target) / files[i];
        const auto q = remote::shell_quote(remote_file.string()), qp = remote::shell_quote(remote_file.string() + ".partial");
        const auto up = ssh.exec("mkdir -p -- " + remote::shell_quote(remote_file.parent_path().string()) + " && cat > " +
                                     qp + " && mv -f -- " + qp + " " + q,
                                 read_file_bytes((files[i].empty() ? fs::path(in.local_path) : fs::path(in.local_path) / files[i]).string()));
        if (up.exit_status != 0)
          throw std::runtime_error("cannot send " + in.field + " (" + in.local_path + ") to " + remote_file.string() +
                                   ": " + up.err);
        if (progress) progress(in.field + ": " + std::to_string(i + 1) + " of " + std::to_string(files.size()) + " files");
      }
      const auto done = ssh.exec("touch " + qdir + "/.complete");
      if (done.exit_status != 0) throw std::runtime_error("cannot mark " + dir.string() + " complete: " + done.err);
    }
    const auto pointer = in.field == "data.corpus" ? "/data/corpus" : "/distill/dataset";
    j[nlohmann::json::json_pointer(pointer)] = target;
  }
  return j.dump(2);
}

}  // namespace r1wb
