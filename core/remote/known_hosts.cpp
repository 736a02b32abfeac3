#include "core/remote/known_hosts.h"

#include "core/remote/ssh_config.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace r1wb::remote {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

//! The name known_hosts stores for host:port.
std::string host_form(const std::string& host, int port) {
  return port == 22 ? host : "[" + host + "]:" + std::to_string(port);
}

std::string hmac_sha1(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha1(), key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
       &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

//! Whether the host field of an entry names `name` (host_form): a hashed name, or patterns.
bool names(const std::string& field, const std::string& name) {
  if (field.rfind("|1|", 0) == 0) {
    const auto bar = field.find('|', 3);
    if (bar == std::string::npos) return false;
    try {
      return hmac_sha1(base64_decode(field.substr(3, bar - 3)), name) == base64_decode(field.substr(bar + 1));
    } catch (const std::invalid_argument&) {
      return false;
    }
  }
  std::string patterns = field;
  for (auto& c : patterns)
    if (c == ',') c = ' ';
  return host_matches(patterns, name);
}

}  // namespace

std::string base64_encode(const std::string& bytes, bool pad) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 | uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i < bytes.size()) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
    if (i + 1 < bytes.size()) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    if (i + 1 < bytes.size()) out += kAlphabet[(v >> 6) & 63];
    else if (pad) out += '=';
    if (pad) out += '=';
  }
  return out;
}

std::string base64_decode(const std::string& text) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    const char* p = std::strchr(kAlphabet, c);
    if (!p || !c) throw std::invalid_argument("not base64: '" + text + "'");
    acc = acc << 6 | uint32_t(p - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::string sha256_fingerprint(const std::string& key_blob) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(key_blob.data(), key_blob.size(), digest, &n, EVP_sha256(), nullptr);
  return "SHA256:" + base64_encode(std::string(reinterpret_cast<char*>(digest), n), /*pad=*/false);
}

std::string known_hosts_line(const std::string& host, int port, const std::string& key_type,
                             const std::string& key_blob) {
  return host_form(host, port) + " " + key_type + " " + base64_encode(key_blob);
}

HostKeyCheck check_host_key(const std::string& known_hosts, const std::string& file, const std::string& host,
                            int port, const std::string& key_type, const std::string& key_blob) {
  HostKeyCheck c;
  c.fingerprint = sha256_fingerprint(key_blob);
  const std::string name = host_form(host, port);
  std::string changed_at;
  std::istringstream in(known_hosts);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::istringstream fields(line);
    std::string first, hosts, type, key;
    if (!(fields >> first) || first[0] == '#') continue;
    std::string marker;
    if (first[0] == '@') {
      marker = first;
      if (!(fields >> hosts)) continue;
    } else {
      hosts = first;
    }
    if (!(fields >> type >> key) || marker == "@cert-authority") continue;
    std::string blob;
    try {
      blob = base64_decode(key);
    } catch (const std::invalid_argument&) {
      continue;  // ssh skips a line it cannot read, and so do we
    }
    const std::string at = file + ":" + std::to_string(n);
    if (marker == "@revoked") {
      if (blob == key_blob) {
        c.verdict = HostKeyVerdict::Revoked, c.entry = at;
        c.message = "the " + key_type + " key " + c.fingerprint + " of " + name + " is revoked (" + at +
                    "): refused";
        return c;
      }
      continue;
    }
    if (!names(hosts, name)) continue;
    if (type != key_type) {
      if (std::find(c.other_types.begin(), c.other_types.end(), type) == c.other_types.end())
        c.other_types.push_back(type);
      continue;
    }
    if (blob == key_blob) {
      c.verdict = HostKeyVerdict::Known, c.entry = at;
    } else if (changed_at.empty()) {
      changed_at = at;
    }
  }
  if (c.verdict == HostKeyVerdict::Known) {
    c.message = name + " is known (" + c.entry + ")";
    return c;
  }
  if (!changed_at.empty()) {
    c.verdict = HostKeyVerdict::Changed, c.entry = changed_at;
    c.message = "the " + key_type + " key of " + name + " has CHANGED: it offers " + c.fingerprint + ", but " +
                changed_at + " holds another. Someone may be intercepting the connection, or the host was " +
                "reinstalled; refused. If the change is expected, remove that line (ssh-keygen -R " + name + ")";
    return c;
  }
  c.verdict = HostKeyVerdict::Unknown;
  c.message = name + " is not in " + file + ": its " + key_type + " key is " + c.fingerprint +
              "; compare it with the host's (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub there) and trust it explicitly";
  if (!c.other_types.empty()) {
    std::string types;
    for (const auto& t : c.other_types) types += (types.empty() ? "" : ", ") + t;
    c.message += " (it is known with other key types: " + types + ")";
  }
  return c;
}

void trust_host_key(const std::string& file, const std::string& host, int port, const std::string& key_type,
                    const std::string& key_blob) {
  namespace fs = std::filesystem;
  const fs::path path(file);
  if (path.has_parent_path() && !fs::exists(path.parent_path())) {
    fs::create_directories(path.parent_path());
    fs::permissions(path.parent_path(), fs::perms::owner_all);
  }
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error(file + ": cannot be opened to add the host key: " + std::strerror(errno));
  std::string text = known_hosts_line(host, port, key_type, key_blob) + "\n";
  const off_t size = ::lseek(fd, 0, SEEK_END);
  char last = '\n';
  if (size > 0 && ::pread(fd, &last, 1, size - 1) == 1 && last != '\n') text = "\n" + text;
  const bool written = ::write(fd, text.data(), text.size()) == ssize_t(text.size()) && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!written) throw std::runtime_error(file + ": the host key could not be written: " + std::strerror(err));
}

}  // namespace r1wb::remote
