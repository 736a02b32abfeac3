// What a host is, asked over one SSH exec (one round trip): its OS, CPU count, memory, GPUs
// (nvidia-smi, when there is one), CUDA driver, free disk under the remote working directory,
// and its runner's `r1wb-run version` (release, event protocol, LibTorch, CUDA devices). The
// runner must speak this app's protocol major; what to do when it does not (or is missing) is
// in `problems`. The app never assumes a local binary runs remotely: the runner is the one on
// the node, at the path given or on its PATH.
#pragma once
#include "core/remote/ssh_session.h"

#include <cstdint>
#include <string>
#include <vector>

namespace r1wb::remote {

struct HostProbe {
  std::string os;  //!< PRETTY_NAME of /etc/os-release, or uname -sr
  int cpus = 0;
  int64_t memory_bytes = 0, disk_free_bytes = 0;
  std::vector<std::string> gpus;  //!< "NVIDIA H100 80GB HBM3, 81559 MiB" per device
  std::string cuda_driver;        //!< nvidia-smi's driver version; empty without one
  std::string runner_path;        //!< what was run
  std::string runner_version, runner_protocol, runner_libtorch;  //!< empty: no runner answered
  int runner_cuda_devices = 0;
  std::vector<std::string> problems;  //!< each with what to do about it; empty: ready to run
};

//! Probes over `ssh`; `runner` the node's r1wb-run (a path, or a name on its PATH), `workdir`
//! the remote working directory (disk space is measured there, or in its nearest existing parent).
HostProbe probe_host(SshSession& ssh, const std::string& runner = "r1wb-run", const std::string& workdir = ".");
//! The probe's answer parsed (key=value lines, as probe_host's command prints them).
HostProbe parse_probe(const std::string& output, const std::string& runner);

}  // namespace r1wb::remote
