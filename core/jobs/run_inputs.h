// The local files an experiment reads (a text corpus at data.corpus, a distillation's kept set
// at distill.dataset) sent to the host before the run starts there, so a researcher's data on
// the laptop trains on the node. Each input goes, once, to a folder named by its SHA-256 beside
// the host's run directories (<workdir>/.r1wb-inputs/<digest>/<name>): a grid of runs over one
// corpus uploads it once, a changed corpus gets a new folder, and a folder is used only when its
// `.complete` marker says every file arrived whole (each is written to a partial name and
// renamed). The config.json the host gets names the uploaded copies; the local one is untouched.
// A path that does not exist here is left as it is: it names data already on the host.
// Paths to other runs (init.run, distill.teacher) are not uploaded: they name runs on the host
// (a parent trained there), as the node resolves them.
#pragma once
#include "core/remote/ssh_session.h"

#include <functional>
#include <string>
#include <vector>

namespace r1wb {

struct RunInput {
  std::string field;       //!< "data.corpus"
  std::string local_path;  //!< absolute
  bool folder = false;
};

//! The inputs `config_json` names that exist on this machine (relative paths resolved against
//! the working directory, as the runner would).
std::vector<RunInput> local_run_inputs(const std::string& config_json);

//! SHA-256 over a file's bytes, or a folder's files (each one's relative path and digest, in
//! path order): what names an input's folder on the host.
std::string input_digest(const RunInput& input);

//! Sends each input not already on the host into `<dirname(remote_run_dir)>/.r1wb-inputs/` and
//! returns `config_json` with its fields pointing there. `progress` hears "field: n of m files".
std::string upload_run_inputs(remote::SshSession& ssh, const std::string& remote_run_dir, const std::string& config_json,
                              const std::function<void(const std::string&)>& progress = {});

}  // namespace r1wb
