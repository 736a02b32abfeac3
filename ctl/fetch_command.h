// `r1wb-ctl fetch RUN [--step N]`: a remote run's checkpoint (the newest complete one, or step N)
// into the run's local directory, over SFTP (core/remote/sftp_fetch.h: resumable, each file's
// SHA-256 checked against the host's), with progress and rate on stderr. The files gather in
// checkpoints/step-N.fetching/ and the folder is renamed to step-N only when every file arrived
// whole, so a local eval, export or a later stage never sees half a checkpoint; a fetch broken
// off resumes where it stopped. The tokenizer files of a BPE run come along.
#pragma once
#include <string>
#include <vector>

namespace r1wb::ctl {

int cmd_fetch(const std::vector<std::string>& args);

}  // namespace r1wb::ctl
