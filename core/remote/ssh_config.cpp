#include "core/remote/ssh_config.h"

#include <glob.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace r1wb::remote {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

//! A line's keyword and arguments: "Key value", "Key=value", "Key = value"; arguments split on
//! whitespace, double quotes keep spaces. Empty keyword for blank lines and comments.
struct Line {
  std::string keyword;
  std::vector<std::string> args;
};

Line split(const std::string& raw) {
  Line l;
  size_t i = raw.find_first_not_of(" \t\r");
  if (i == std::string::npos || raw[i] == '#') return l;
  size_t end = raw.find_first_of(" \t=", i);
  l.keyword = lower(raw.substr(i, end == std::string::npos ? std::string::npos : end - i));
  if (end == std::string::npos) return l;
  i = raw.find_first_not_of(" \t\r", end);
  if (i != std::string::npos && raw[i] == '=') i = raw.find_first_not_of(" \t\r", i + 1);
  while (i != std::string::npos && i < raw.size()) {
    std::string arg;
    if (raw[i] == '"') {
      const size_t close = raw.find('"', i + 1);
      arg = raw.substr(i + 1, close == std::string::npos ? std::string::npos : close - i - 1);
      i = close == std::string::npos ? raw.size() : close + 1;
    } else {
      const size_t stop = raw.find_first_of(" \t\r", i);
      arg = raw.substr(i, stop == std::string::npos ? std::string::npos : stop - i);
      i = stop;
    }
    l.args.push_back(arg);
    if (i != std::string::npos) i = raw.find_first_not_of(" \t\r", i);
  }
  return l;
}

//! fnmatch-style `*` and `?` over the whole of `s`, case-insensitive as ssh matches host names.
bool wildcard(const char* p, const char* s) {
  for (; *p; ++p, ++s) {
    if (*p == '*') {
      for (const char* t = s;; ++t) {
        if (wildcard(p + 1, t)) return true;
        if (!*t) return false;
      }
    }
    if (!*s || (*p != '?' && std::tolower(static_cast<unsigned char>(*p)) != std::tolower(static_cast<unsigned char>(*s))))
      return false;
  }
  return !*s;
}

std::string where(const std::string& file, int line) { return file + ":" + std::to_string(line); }

int parse_port(const std::string& value, const std::string& at) {
  char* end = nullptr;
  const long p = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end || p < 1 || p > 65535)
    throw SshConfigError(at + ": Port '" + value + "' is not a port number (1-65535)");
  return int(p);
}

JumpHop parse_hop(std::string s, const std::string& at) {
  const std::string raw = s;
  if (s.rfind("ssh://", 0) == 0) s = s.substr(6);
  JumpHop h;
  if (const auto a = s.rfind('@'); a != std::string::npos) h.user = s.substr(0, a), s = s.substr(a + 1);
  if (const auto c = s.rfind(':'); c != std::string::npos && s.find(']') == std::string::npos) {
    h.port = parse_port(s.substr(c + 1), at + ": ProxyJump hop '" + raw + "'");
    s = s.substr(0, c);
  } else if (!s.empty() && s.front() == '[') {  // [host]:port
    const auto close = s.find(']');
    if (close + 1 < s.size() && s[close + 1] == ':') h.port = parse_port(s.substr(close + 2), at);
    s = s.substr(1, close - 1);
  }
  if (s.empty() || s.find_first_of(" /") != std::string::npos)
    throw SshConfigError(at + ": ProxyJump hop '" + raw + "' is not [user@]host[:port]");
  h.host = s;
  return h;
}

//! %-tokens: `tokens` maps the letter to its value; %% is %. An unknown token is an error.
std::string expand(const std::string& s, const std::map<char, std::string>& tokens, const std::string& at) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 1 >= s.size()) throw SshConfigError(at + ": '" + s + "' ends in a lone %");
    const char t = s[++i];
    if (t == '%') {
      out += '%';
    } else if (const auto it = tokens.find(t); it != tokens.end()) {
      out += it->second;
    } else {
      throw SshConfigError(at + ": '" + s + "': the token %" + std::string(1, t) + " is not supported here");
    }
  }
  return out;
}

std::string tilde(const std::string& path, const std::string& home) {
  if (path == "~") return home;
  if (path.rfind("~/", 0) == 0) return home + path.substr(1);
  return path;
}

//! The settings as the walk over the file(s) obtains them: first value wins.
struct Obtained {
  std::string hostname, user;
  int port = 0;
  bool jumps_set = false;
  std::vector<JumpHop> jumps;
  std::vector<std::string> identity_files;  //!< unexpanded, with where they came from
  std::vector<std::string> identity_at;
  std::vector<std::string> notes;
};

void walk(const std::string& text, const std::string& file, const std::string& alias, const SshConfigEnvironment& env,
          Obtained& o, int depth) {
  if (depth > 16) throw SshConfigError(file + ": Include nests more than 16 deep (a loop?)");
  std::istringstream in(text);
  std::string raw;
  bool active = true;  // before the first Host: every host
  for (int n = 1; std::getline(in, raw); ++n) {
    const auto l = split(raw);
    if (l.keyword.empty()) continue;
    const std::string at = where(file, n);
    if (l.keyword == "host") {
      std::string patterns;
      for (const auto& a : l.args) patterns += (patterns.empty() ? "" : " ") + a;
      active = host_matches(patterns, alias);
      continue;
    }
    if (l.keyword == "match") {
      active = l.args.size() == 1 && lower(l.args[0]) == "all";
      if (!active) o.notes.push_back(at + ": Match " + (l.args.empty() ? "" : l.args[0]) +
                                     " is not evaluated; its block is skipped");
      continue;
    }
    if (!active) continue;
    if (l.args.empty()) throw SshConfigError(at + ": " + l.keyword + " has no value");
    const std::string& v = l.args[0];
    if (l.keyword == "include") {
      for (const auto& pattern : l.args) {
        const std::string full = pattern.front() == '/' || pattern.front() == '~' ? tilde(pattern, env.home)
                                                                                 : env.home + "/.ssh/" + pattern;
        for (const auto& path : env.glob(full)) walk(env.read(path), path, alias, env, o, depth + 1);
      }
    } else if (l.keyword == "hostname") {
      if (o.hostname.empty()) o.hostname = expand(v, {{'h', alias}}, at);
    } else if (l.keyword == "user") {
      if (o.user.empty()) o.user = v;
    } else if (l.keyword == "port") {
      const int p = parse_port(v, at);
      if (o.port == 0) o.port = p;
    } else if (l.keyword == "identityfile") {
      o.identity_files.push_back(v), o.identity_at.push_back(at);
    } else if (l.keyword == "proxyjump") {
      if (o.jumps_set) continue;
      o.jumps_set = true;
      if (lower(v) == "none") continue;
      std::stringstream hops(v);
      for (std::string hop; std::getline(hops, hop, ',');) o.jumps.push_back(parse_hop(hop, at));
    } else if (l.keyword == "proxycommand") {
      o.notes.push_back(at + ": ProxyCommand is not run (use ProxyJump)");
    }
  }
}

}  // namespace

bool host_matches(const std::string& patterns, const std::string& host) {
  std::istringstream in(patterns);
  bool matched = false;
  for (std::string p; in >> p;) {
    const bool negated = !p.empty() && p[0] == '!';
    if (wildcard((negated ? p.substr(1) : p).c_str(), host.c_str())) {
      if (negated) return false;  // a negated match rules the block out, whatever else matches
      matched = true;
    }
  }
  return matched;
}

SshHost resolve_ssh_host(const std::string& text, const std::string& file, const std::string& alias,
                         const SshConfigEnvironment& env) {
  Obtained o;
  walk(text, file, alias, env, o, 0);
  SshHost h;
  h.alias = alias;
  h.hostname = o.hostname.empty() ? alias : o.hostname;
  h.user = o.user.empty() ? env.local_user : o.user;
  h.port = o.port == 0 ? 22 : o.port;
  h.jumps = o.jumps;
  h.notes = o.notes;
  for (size_t i = 0; i < o.identity_files.size(); ++i)
    h.identity_files.push_back(tilde(
        expand(o.identity_files[i], {{'d', env.home}, {'u', env.local_user}, {'h', h.hostname}, {'r', h.user}},
               o.identity_at[i]),
        env.home));
  return h;
}

SshConfigEnvironment SshConfigEnvironment::system() {
  SshConfigEnvironment env;
  const passwd* pw = ::getpwuid(::getuid());
  const char* user = std::getenv("USER");
  env.local_user = user && *user ? user : pw ? pw->pw_name : "";
  const char* home = std::getenv("HOME");
  env.home = home && *home ? home : pw ? pw->pw_dir : "";
  env.glob = [](const std::string& pattern) {
    std::vector<std::string> out;
    glob_t g{};
    if (::glob(pattern.c_str(), 0, nullptr, &g) == 0)
      for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
    ::globfree(&g);
    return out;
  };
  env.read = [](const std::string& path) {
    std::ifstream in(path);
    if (!in) throw SshConfigError(path + ": cannot be read");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  return env;
}

SshHost resolve_ssh_host(const std::string& alias, const SshConfigEnvironment& env) {
  const std::string file = env.home + "/.ssh/config";
  const auto found = env.glob(file);
  return resolve_ssh_host(found.empty() ? std::string() : env.read(file), file, alias, env);
}

}  // namespace r1wb::remote
