#include "ctl/terminal_prompts.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace r1wb::ctl {
namespace {

//! Writes `ask` to the terminal and reads one line, echoed or not; nullopt without a terminal.
std::optional<std::string> ask_terminal(const std::string& ask, bool echo) {
  const int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (tty < 0) return std::nullopt;
  (void)!::write(tty, ask.data(), ask.size());
  termios old{};
  const bool can_hide = !echo && ::tcgetattr(tty, &old) == 0;
  if (can_hide) {
    termios quiet = old;
    quiet.c_lflag &= ~tcflag_t(ECHO);
    ::tcsetattr(tty, TCSAFLUSH, &quiet);
  }
  std::string answer;
  char c;
  while (::read(tty, &c, 1) == 1 && c != '\n') answer += c;
  if (can_hide) {
    ::tcsetattr(tty, TCSAFLUSH, &old);
    (void)!::write(tty, "\n", 1);
  }
  ::close(tty);
  return answer;
}

}  // namespace

remote::Prompts terminal_prompts() {
  remote::Prompts p;
  p.passphrase = [](const std::string& key_file) { return ask_terminal("Passphrase for " + key_file + ": ", false); };
  p.keyboard_interactive = [](const std::string& name, const std::string& instruction,
                              const std::vector<remote::KbdPrompt>& asked) -> std::optional<std::vector<std::string>> {
    if (!name.empty() || !instruction.empty()) {
      const std::string header = name + (name.empty() || instruction.empty() ? "" : "\n") + instruction + "\n";
      const int tty = ::open("/dev/tty", O_WRONLY | O_CLOEXEC);
      if (tty < 0) return std::nullopt;
      (void)!::write(tty, header.data(), header.size());
      ::close(tty);
    }
    std::vector<std::string> answers;
    for (const auto& q : asked) {
      auto a = ask_terminal(q.text, q.echo);
      if (!a) return std::nullopt;
      answers.push_back(std::move(*a));
    }
    return answers;
  };
  return p;
}

}  // namespace r1wb::ctl
