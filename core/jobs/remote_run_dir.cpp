#include "core/jobs/remote_run_dir.h"

#include <stdexcept>

namespace r1wb {

void delete_remote_run_dir(remote::SshSession& ssh, const std::string& remote_dir) {
  if (remote_dir.empty() || remote_dir == "/" || remote_dir == ".")
    throw std::runtime_error("refusing to delete '" + remote_dir + "': not a run directory");
  const std::string d = remote::shell_quote(remote_dir);
  const auto r = ssh.exec("if [ ! -e " + d + " ]; then exit 0; fi; if [ -f " + d + "/runner.pid ] && [ ! -f " + d +
                          "/runner.exit ]; then exit 3; fi; rm -rf -- " + d);
  if (r.exit_status == 3)
    throw std::runtime_error(ssh.endpoint().host + ":" + remote_dir +
                             " has a runner that may still run (runner.pid, no runner.exit); stop or kill it first");
  if (r.exit_status != 0)
    throw std::runtime_error("cannot remove " + ssh.endpoint().host + ":" + remote_dir + ": " + r.err);
}

}  // namespace r1wb
