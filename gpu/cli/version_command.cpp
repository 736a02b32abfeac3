// `r1wb-run version`: what a host probe asks a node's runner (core/remote/host_probe.h), as one
// JSON line: the release, the event protocol it speaks (major.minor: a reader takes the same
// major), the LibTorch it was built with and the CUDA devices it sees.
#include "core/wire/event_protocol.h"
#include "gpu/cli/commands.h"

#include <torch/cuda.h>
#include <torch/version.h>

#include <nlohmann/json.hpp>

#include <iostream>

namespace r1wb::gpu {

int cmd_version(const std::vector<std::string>&) {
  const bool cuda = torch::cuda::is_available();
  std::cout << nlohmann::json{{"version", R1WB_VERSION},
                              {"protocol", std::to_string(wire::kProtocolVersion) + "." +
                                               std::to_string(wire::kProtocolMinor)},
                              {"libtorch", TORCH_VERSION},
                              {"cuda_devices", cuda ? int(torch::cuda::device_count()) : 0}}
                   .dump()
            << "\n";
  return kExitOk;
}

}  // namespace r1wb::gpu
