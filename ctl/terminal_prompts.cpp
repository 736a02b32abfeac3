#include "ctl/terminal_prompts.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace r1wb::ctl {

remote::Prompts terminal_prompts() {
  return {[](const std::string& key_file) -> std::optional<std::string> {
    const int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (tty < 0) return std::nullopt;
    const std::string ask = "Passphrase for " + key_file + ": ";
    (void)!::write(tty, ask.data(), ask.size());
    termios old{};
    const bool can_hide = ::tcgetattr(tty, &old) == 0;
    if (can_hide) {
      termios quiet = old;
      quiet.c_lflag &= ~tcflag_t(ECHO);
      ::tcsetattr(tty, TCSAFLUSH, &quiet);
    }
    std::string answer;
    char c;
    while (::read(tty, &c, 1) == 1 && c != '\n') answer += c;
    if (can_hide) ::tcsetattr(tty, TCSAFLUSH, &old);
    (void)!::write(tty, "\n", 1);
    ::close(tty);
    return answer;
  }};
}

}  // namespace r1wb::ctl
