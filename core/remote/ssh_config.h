// A host as the user's ~/.ssh/config describes it, resolved the way OpenSSH resolves it
// (ssh_config(5)), because libssh2 reads none of the file: the first value obtained for each
// keyword wins, Host blocks match by patterns (`*`, `?`, `!` negation; lines before the first
// Host apply to every host), IdentityFile accumulates, Include reads other files (relative to
// ~/.ssh, globs allowed), `Match all` is a Host *, other Match criteria are not evaluated and
// are named in the notes. HostName takes %h (the alias) and %%; IdentityFile takes ~, %d, %u,
// %h, %r, %%. ProxyJump is a comma-separated list of [user@]host[:port] (or ssh:// URIs) hops,
// outermost first; each hop is a host of the same config. Errors name the file and line.
#pragma once
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace r1wb::remote {

struct JumpHop {
  std::string host;  //!< as written: an alias of the config or a host name
  std::string user;  //!< empty: the hop's own (config or local) user
  int port = 0;      //!< 0: the hop's own (config or 22)
};

struct SshHost {
  std::string alias;     //!< what was asked for
  std::string hostname;  //!< where to connect (the alias when no HostName)
  std::string user;      //!< the remote user (the local user when no User)
  int port = 22;
  std::vector<std::string> identity_files;  //!< expanded, in order; empty: the defaults (agent)
  std::vector<JumpHop> jumps;               //!< ProxyJump, outermost first; empty: direct
  std::vector<std::string> notes;           //!< what was seen and not applied ("file:line: ...")
};

//! A problem in a config file: "FILE:LINE: what" (a bad Port, a ProxyJump hop that is not a
//! [user@]host[:port], an unreadable Include).
struct SshConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

//! Where the resolver gets what is not in the text: the local user, the home directory, and the
//! files an Include names (a pattern that names no file is skipped, as ssh skips it).
struct SshConfigEnvironment {
  std::string local_user;
  std::string home;
  //! The paths a (home-relative or absolute) Include pattern names, expanded like a shell glob.
  std::function<std::vector<std::string>(const std::string& pattern)> glob;
  std::function<std::string(const std::string& path)> read;
  //! This machine: $USER / getpwuid, $HOME, glob(3), the file system.
  static SshConfigEnvironment system();
};

//! `alias` resolved through the config text `text` (read from `file`, for messages).
SshHost resolve_ssh_host(const std::string& text, const std::string& file, const std::string& alias,
                         const SshConfigEnvironment& env);
//! `alias` resolved through ~/.ssh/config (a missing file resolves every alias to itself).
SshHost resolve_ssh_host(const std::string& alias, const SshConfigEnvironment& env = SshConfigEnvironment::system());

//! Whether `host` matches the Host pattern list `patterns` (space-separated; `!` negates).
bool host_matches(const std::string& patterns, const std::string& host);

}  // namespace r1wb::remote
