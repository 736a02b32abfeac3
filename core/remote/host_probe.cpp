#include "core/remote/host_probe.h"

#include "core/wire/event_protocol.h"

#include <nlohmann/json.hpp>

#include <sstream>

namespace r1wb::remote {

HostProbe parse_probe(const std::string& output, const std::string& runner) {
  HostProbe p;
  p.runner_path = runner;
  std::istringstream in(output);
  std::string runner_json, runner_error;
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    try {
      if (key == "os") p.os = value;
      else if (key == "cpus") p.cpus = std::stoi(value);
      else if (key == "mem_kb") p.memory_bytes = std::stoll(value) * 1024;
      else if (key == "disk_free_kb") p.disk_free_bytes = std::stoll(value) * 1024;
      else if (key == "gpu") p.gpus.push_back(value);
      else if (key == "driver" && p.cuda_driver.empty()) p.cuda_driver = value;
      else if (key == "runner") runner_json = value;
      else if (key == "runner_error") runner_error += (runner_error.empty() ? "" : "; ") + value;
    } catch (const std::exception&) {
      p.problems.push_back("the host answered " + key + "='" + value + "', which is not a number");
    }
  }
  const auto parsed = nlohmann::json::parse(runner_json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.contains("protocol")) {
    p.runner_version = parsed.value("version", "");
    p.runner_protocol = parsed.value("protocol", "");
    p.runner_libtorch = parsed.value("libtorch", "");
    p.runner_cuda_devices = parsed.value("cuda_devices", 0);
    const std::string major = p.runner_protocol.substr(0, p.runner_protocol.find('.'));
    if (major != std::to_string(wire::kProtocolVersion))
      p.problems.push_back("the runner " + runner + " speaks event protocol " + p.runner_protocol + ", this app " +
                           std::to_string(wire::kProtocolVersion) + "." + std::to_string(wire::kProtocolMinor) +
                           ": build r1wb-run of this release on the host (scripts/build.sh there, against its "
                           "LibTorch)");
  } else {
    p.problems.push_back("no runner answered at " + runner + (runner_error.empty() ? "" : " (" + runner_error + ")") +
                         ": build r1wb-run of this release on the host (scripts/build.sh there, against its "
                         "LibTorch) or give the path of an existing one");
  }
  return p;
}

HostProbe probe_host(SshSession& ssh, const std::string& runner, const std::string& workdir) {
  // One command, every answer a key=value line; each part may fail on its own.
  const std::string dir = shell_quote(workdir), exe = shell_quote(runner);
  const std::string command =
      "echo \"os=$( (. /etc/os-release 2>/dev/null && echo \"$PRETTY_NAME\") || uname -sr)\"; "
      "echo \"cpus=$(nproc 2>/dev/null)\"; "
      "awk '/^MemTotal:/ {print \"mem_kb=\" $2}' /proc/meminfo 2>/dev/null; "
      "d=" + dir + "; while [ ! -d \"$d\" ] && [ \"$d\" != / ] && [ \"$d\" != . ]; do d=$(dirname \"$d\"); done; "
      "df -Pk \"$d\" 2>/dev/null | awk 'NR == 2 {print \"disk_free_kb=\" $4}'; "
      "if command -v nvidia-smi >/dev/null 2>&1; then "
      "nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null | sed 's/^/gpu=/'; "
      "nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | sed 's/^/driver=/'; fi; "
      "out=$(" + exe + " version 2>&1) && echo \"runner=$out\" || "
      "echo \"runner_error=$(printf '%s' \"$out\" | head -c 300 | tr '\\n' ' ')\"";
  const auto r = ssh.exec(command);
  return parse_probe(r.out, runner);
}

}  // namespace r1wb::remote
