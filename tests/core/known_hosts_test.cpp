// Host key checking (core/remote/known_hosts.h) against keys and files OpenSSH's own tools
// make: the fingerprint is what `ssh-keygen -lf` prints; a trusted key is known, on its port
// only; another key for the same host and type is refused as changed, naming the line, also
// after `ssh-keygen -H` hashed the file; @revoked wins; patterns and negation select hosts; a
// host known only with other key types is unknown and says so; base64 round-trips.
#include "core/remote/known_hosts.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <unistd.h>

using namespace r1wb::remote;
namespace fs = std::filesystem;

namespace {

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  EXPECT_EQ(::pclose(p), 0) << cmd;
  return out;
}

struct Key {
  std::string type, blob, pub;
};

//! A fresh key made by ssh-keygen in `dir`.
Key make_key(const fs::path& dir, const std::string& name, const std::string& type) {
  const auto file = (dir / name).string();
  run("ssh-keygen -q -t " + type + " -N '' -C test -f '" + file + "'");
  std::ifstream in(file + ".pub");
  Key k;
  std::string b64;
  in >> k.type >> b64;
  k.blob = base64_decode(b64);
  k.pub = file + ".pub";
  return k;
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Dir {
  fs::path path = fs::temp_directory_path() / ("r1wb-known-hosts-" + std::to_string(::getpid()));
  Dir() { fs::create_directories(path); }
  ~Dir() { fs::remove_all(path); }
};

}  // namespace

TEST(KnownHosts, FingerprintsAreWhatSshKeygenPrints) {
  Dir d;
  for (const char* type : {"ed25519", "ecdsa", "rsa"}) {
    const auto k = make_key(d.path, std::string("k_") + type, type);
    std::istringstream line(run("ssh-keygen -lf '" + k.pub + "'"));
    std::string bits, fingerprint;
    line >> bits >> fingerprint;
    EXPECT_EQ(sha256_fingerprint(k.blob), fingerprint) << type;
  }
}

TEST(KnownHosts, ATrustedKeyIsKnownOnItsPortAndAnotherKeyIsRefusedAsChangedAlsoWhenHashed) {
  Dir d;
  const auto k = make_key(d.path, "host", "ed25519"), other = make_key(d.path, "other", "ed25519");
  const auto file = d.path / "ssh" / "known_hosts";
  auto check = [&](const std::string& host, int port, const Key& key) {
    return check_host_key(read(file), file.string(), host, port, key.type, key.blob);
  };
  EXPECT_EQ(check_host_key("", file.string(), "gpu.lab", 22, k.type, k.blob).verdict, HostKeyVerdict::Unknown);
  trust_host_key(file.string(), "gpu.lab", 22, k.type, k.blob);
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  trust_host_key(file.string(), "127.0.0.1", 2222, k.type, k.blob);
  EXPECT_EQ(check("gpu.lab", 22, k).verdict, HostKeyVerdict::Known);
  EXPECT_EQ(check("127.0.0.1", 2222, k).verdict, HostKeyVerdict::Known);
  const auto unknown = check("127.0.0.1", 22, k);
  EXPECT_EQ(unknown.verdict, HostKeyVerdict::Unknown) << "a key is trusted for its port only";
  EXPECT_NE(unknown.message.find(sha256_fingerprint(k.blob)), std::string::npos) << unknown.message;
  const auto changed = check("gpu.lab", 22, other);
  EXPECT_EQ(changed.verdict, HostKeyVerdict::Changed);
  EXPECT_EQ(changed.entry, file.string() + ":1");
  EXPECT_NE(changed.message.find("CHANGED"), std::string::npos) << changed.message;
  // OpenSSH's own client agrees with the file we wrote.
  run("ssh-keygen -F gpu.lab -f '" + file.string() + "' | grep -q ssh-ed25519");
  run("ssh-keygen -F '[127.0.0.1]:2222' -f '" + file.string() + "' | grep -q ssh-ed25519");
  // Hashed by ssh-keygen -H: the same verdicts.
  run("ssh-keygen -q -H -f '" + file.string() + "' 2>/dev/null");
  ASSERT_EQ(read(file).find("gpu.lab"), std::string::npos) << "the names are hashed now";
  EXPECT_EQ(check("gpu.lab", 22, k).verdict, HostKeyVerdict::Known);
  EXPECT_EQ(check("127.0.0.1", 2222, k).verdict, HostKeyVerdict::Known);
  EXPECT_EQ(check("gpu.lab", 22, other).verdict, HostKeyVerdict::Changed);
  EXPECT_EQ(check("other.lab", 22, k).verdict, HostKeyVerdict::Unknown);
}

TEST(KnownHosts, RevokedPatternsOtherTypesAndAFileWithoutItsLastNewline) {
  Dir d;
  const auto k = make_key(d.path, "host", "ed25519"), rsa = make_key(d.path, "rsa", "rsa");
  const std::string b64 = base64_encode(k.blob), rsa64 = base64_encode(rsa.blob);
  const std::string text = "# comment\n@cert-authority *.lab " + k.type + " " + b64 + "\n" +
                           "*.lab,!bad.lab " + k.type + " " + b64 + "\n" + "old.example " + rsa.type + " " + rsa64 + "\n";
  EXPECT_EQ(check_host_key(text, "kh", "good.lab", 22, k.type, k.blob).verdict, HostKeyVerdict::Known);
  EXPECT_EQ(check_host_key(text, "kh", "good.lab", 22, k.type, k.blob).entry, "kh:3");
  EXPECT_EQ(check_host_key(text, "kh", "bad.lab", 22, k.type, k.blob).verdict, HostKeyVerdict::Unknown);
  const auto other_type = check_host_key(text, "kh", "old.example", 22, k.type, k.blob);
  EXPECT_EQ(other_type.verdict, HostKeyVerdict::Unknown);
  EXPECT_EQ(other_type.other_types, std::vector<std::string>{"ssh-rsa"});
  const auto revoked = check_host_key("@revoked * " + k.type + " " + b64 + "\n" + text, "kh", "good.lab", 22, k.type,
                                      k.blob);
  EXPECT_EQ(revoked.verdict, HostKeyVerdict::Revoked);
  EXPECT_EQ(revoked.entry, "kh:1");
  // Trusting appends on a line of its own even when the file does not end in a newline.
  const auto file = d.path / "known_hosts";
  std::ofstream(file) << "old.lab " << rsa.type << " " << rsa64;
  trust_host_key(file.string(), "new.lab", 22, k.type, k.blob);
  EXPECT_EQ(read(file), "old.lab " + rsa.type + " " + rsa64 + "\nnew.lab " + k.type + " " + b64 + "\n");
}

TEST(KnownHosts, Base64RoundTripsAtEveryLengthAndRefusesOtherCharacters) {
  std::mt19937 rng(11);
  for (int len = 0; len < 70; ++len) {
    std::string bytes(size_t(len), '\0');
    for (auto& b : bytes) b = char(rng() & 0xff);
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes) << len;
    EXPECT_EQ(base64_decode(base64_encode(bytes, false)), bytes) << len;
    EXPECT_EQ(base64_encode(bytes).size() % 4, 0u);
  }
  EXPECT_EQ(base64_encode("any carnal pleas"), "YW55IGNhcm5hbCBwbGVhcw==");
  EXPECT_THROW(base64_decode("ab$d"), std::invalid_argument);
}
