// This machine as an SSH host that asks a one-time code after the key: the test sshd run as the
// PAM service scripts/install-test-consumers.sh writes (pam_google_authenticator, a used code
// refused), the test's own TOTP secret where that service reads it, and the codes (RFC 6238)
// a user's authenticator app would show.
#pragma once
#include "tests/support/ssh_test_host.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace r1wb::testing {

namespace fs = std::filesystem;

inline constexpr const char* kPamService = "r1wb-test-sshd-2fa";  // /etc/pam.d/r1wb-test-sshd-2fa

inline std::string base32(const std::vector<uint8_t>& bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  int bits = 0, value = 0;
  for (uint8_t b : bytes) {
    value = (value << 8) | b, bits += 8;
    while (bits >= 5) out += alphabet[(value >> (bits - 5)) & 31], bits -= 5;
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

//! RFC 6238: HMAC-SHA1 of the 30-second counter, dynamically truncated, six digits.
inline std::string totp(const std::vector<uint8_t>& key, int64_t unix_time) {
  uint64_t counter = uint64_t(unix_time / 30);
  uint8_t msg[8];
  for (int i = 7; i >= 0; --i) msg[i] = uint8_t(counter & 0xff), counter >>= 8;
  unsigned char mac[20];
  unsigned len = 0;
  HMAC(EVP_sha1(), key.data(), int(key.size()), msg, sizeof msg, mac, &len);
  const int o = mac[19] & 0xf;
  const uint32_t code = ((mac[o] & 0x7fu) << 24) | (mac[o + 1] << 16) | (mac[o + 2] << 8) | mac[o + 3];
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06u", code % 1000000);
  return buf;
}

struct TwoFactorHost : SshTestHost {
  explicit TwoFactorHost(const fs::path& d) : SshTestHost(d, "", kPamService) {
    key.resize(10);
    RAND_bytes(key.data(), int(key.size()));
    secret_dir = fs::path("/tmp/r1wb-test-2fa") / sshd.user;
    fs::create_directories(secret_dir);
    fs::permissions(secret_dir, fs::perms::owner_all);
    const auto file = secret_dir / "google_authenticator";
    fs::remove(file);
    std::ofstream(file) << base32(key) << "\n\" TOTP_AUTH\n\" DISALLOW_REUSE\n\" WINDOW_SIZE 3\n";
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
    trust();
  }
  ~TwoFactorHost() { fs::remove_all(secret_dir); }
  std::vector<uint8_t> key;
  fs::path secret_dir;
};

inline bool pam_service_installed() { return fs::exists(fs::path("/etc/pam.d") / kPamService); }

}  // namespace r1wb::testing
