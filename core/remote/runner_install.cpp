#include "core/remote/runner_install.h"

#include <poll.h>

#include <stdexcept>

namespace r1wb::remote {
namespace {

//! One shell word for a path, "~/" kept as the home directory.
std::string path_word(const std::string& p) {
  if (p == "~") return "\"$HOME\"";
  if (p.rfind("~/", 0) == 0) return "\"$HOME\"/" + shell_quote(p.substr(2));
  return shell_quote(p);
}

}  // namespace

std::string runner_install_command(const std::string& checkout, const std::string& prefix) {
  return "cd -- " + path_word(checkout) + " && bash scripts/install-runner.sh " + path_word(prefix) + " 2>&1";
}

std::string installed_runner(SshSession& ssh, const std::string& prefix) {
  const auto r = ssh.exec("cd -- " + path_word(prefix) + "/bin && test -x r1wb-run && printf '%s/r1wb-run' \"$(pwd -P)\"");
  if (r.exit_status != 0 || r.out.empty())
    throw std::runtime_error("no runner at " + prefix + "/bin/r1wb-run on " + ssh.endpoint().host + " after the install");
  return r.out;
}

int install_runner(SshSession& ssh, const std::string& checkout, const std::string& prefix,
                   const std::function<void(const std::string&)>& output, const std::atomic<bool>* cancel) {
  auto channel = ssh.open_channel(runner_install_command(checkout, prefix));
  for (;;) {
    if (cancel && cancel->load()) return -1;  // closing the channel ends the command's output; sshd hangs it up
    const std::string bytes = channel->read_available();
    if (!bytes.empty() && output) output(bytes);
    if (channel->eof()) {
      if (const auto code = channel->exit_status()) {
        if (!channel->stderr_text().empty() && output) output(channel->stderr_text());
        return *code;
      }
    }
    pollfd p{ssh.socket_fd(), POLLIN, 0};
    ::poll(&p, 1, 100);
  }
}

}  // namespace r1wb::remote
