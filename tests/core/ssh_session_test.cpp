// SSH sessions (core/remote/ssh_session.h) through a real OpenSSH server on 127.0.0.1 with
// throwaway keys: an unknown host key is refused with the fingerprint ssh-keygen prints until it
// is trusted, a changed one is refused; commands get their arguments as data (spaces, quotes,
// `;`, `$(...)`, backquotes, newlines), stdin, stdout, stderr and the exit status; a key the
// server does not accept fails naming it.
#include "core/remote/ssh_session.h"
#include "tests/support/ssh_test_host.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using namespace r1wb::remote;
namespace fs = std::filesystem;

namespace {

struct Fixture : r1wb::testing::SshTestHost {
  Fixture() : SshTestHost(fs::temp_directory_path() / ("r1wb-ssh-" + std::to_string(::getpid()))) {}
  void trust_host() const { trust(); }
  ~Fixture() { fs::remove_all(dir); }
};

std::string fingerprint_of(const fs::path& pub) {
  FILE* p = ::popen(("ssh-keygen -lf '" + pub.string() + "'").c_str(), "r");
  char buf[512] = {};
  std::fgets(buf, sizeof buf, p);
  ::pclose(p);
  std::istringstream line(buf);
  std::string bits, fp;
  line >> bits >> fp;
  return fp;
}

}  // namespace

TEST(SshSession, AnUnknownHostKeyIsRefusedWithItsFingerprintUntilTrustedThenCommandsRun) {
  Fixture f;
  try {
    SshSession s(f.endpoint());
    FAIL() << "connected to an unknown host";
  } catch (const HostKeyRefused& e) {
    EXPECT_EQ(e.check.verdict, HostKeyVerdict::Unknown);
    EXPECT_EQ(e.check.fingerprint, fingerprint_of(f.sshd.host_key.string() + ".pub"));
    EXPECT_EQ(e.key_type, "ssh-ed25519");
    trust_host_key(f.endpoint().known_hosts, "127.0.0.1", f.sshd.port, e.key_type, e.key_blob);
  }
  SshSession s(f.endpoint());
  const auto r = s.exec("echo hello; echo oops >&2; exit 3");
  EXPECT_EQ(r.out, "hello\n");
  EXPECT_EQ(r.err, "oops\n");
  EXPECT_EQ(r.exit_status, 3);
  const std::string big(300000, 'x');
  EXPECT_EQ(s.exec("cat", big).out, big) << "stdin in, stdout out, past a channel window";
}

TEST(SshSession, AChangedHostKeyIsRefused) {
  Fixture f;
  const auto other = f.dir / "other_host";
  ASSERT_EQ(std::system(("ssh-keygen -q -t ed25519 -N '' -f '" + other.string() + "'").c_str()), 0);
  std::ifstream pub(other.string() + ".pub");
  std::string type, b64;
  pub >> type >> b64;
  trust_host_key(f.endpoint().known_hosts, "127.0.0.1", f.sshd.port, type, base64_decode(b64));
  try {
    SshSession s(f.endpoint());
    FAIL() << "connected although the host key changed";
  } catch (const HostKeyRefused& e) {
    EXPECT_EQ(e.check.verdict, HostKeyVerdict::Changed);
    EXPECT_NE(std::string(e.what()).find("CHANGED"), std::string::npos) << e.what();
  }
}

TEST(SshSession, ArgumentsReachTheHostAsDataNeverAsShell) {
  Fixture f;
  f.trust_host();
  SshSession s(f.endpoint());
  const auto marker = f.dir / "pwned";
  const std::vector<std::string> args = {"a b", "it's", "x; touch " + marker.string(), "$(touch " + marker.string() + ")",
                                         "`touch " + marker.string() + "`", "line1\nline2", "\"quoted\"", ""};
  std::string cmd = "printf '%s\\0'";
  for (const auto& a : args) cmd += " " + shell_quote(a);
  const auto r = s.exec(cmd);
  ASSERT_EQ(r.exit_status, 0) << r.err;
  std::vector<std::string> got;
  for (size_t at = 0; at < r.out.size();) {
    const auto end = r.out.find('\0', at);
    got.push_back(r.out.substr(at, end - at));
    at = end + 1;
  }
  EXPECT_EQ(got, args);
  EXPECT_FALSE(fs::exists(marker)) << "an argument ran as shell";
}

TEST(SshSession, ACommandWhoseConnectionBreaksEndsWithTheBreakInsteadOfWaitingOnIt) {
  Fixture f;
  f.trust_host();
  SshSession s(f.endpoint());
  std::thread cut([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    s.sever();  // as a network failure would, while the command runs
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(s.exec("sleep 20; echo done"), SshBroken);
  cut.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 5) << "exec waited on a dead connection";
}

TEST(SshSession, AKeyTheServerDoesNotAcceptFailsNamingIt) {
  Fixture f;
  f.trust_host();
  const auto stranger = f.dir / "stranger";
  ASSERT_EQ(std::system(("ssh-keygen -q -t ed25519 -N '' -f '" + stranger.string() + "'").c_str()), 0);
  auto e = f.endpoint();
  e.identity_files = {stranger.string()};
  try {
    SshSession s(e);
    FAIL() << "authenticated with a key the server does not know";
  } catch (const HostKeyRefused&) {
    FAIL() << "the host key was trusted";
  } catch (const std::runtime_error& err) {
    EXPECT_NE(std::string(err.what()).find("authentication failed"), std::string::npos) << err.what();
    EXPECT_NE(std::string(err.what()).find(stranger.string()), std::string::npos) << err.what();
  }
}

namespace {

int accepted_logins(const fs::path& sshd_dir) {
  std::ifstream log(sshd_dir / "sshd.log");
  int n = 0;
  for (std::string line; std::getline(log, line);) n += line.find("Accepted publickey") != std::string::npos;
  return n;
}

}  // namespace

TEST(SshSession, ThroughTwoProxyJumpHopsEachWithItsOwnKeyChecked) {
  const fs::path dir = fs::temp_directory_path() / ("r1wb-jump-" + std::to_string(::getpid()));
  {
    r1wb::testing::SshTestHost outer(dir / "outer"), inner(dir / "inner"), target(dir / "target");
    auto endpoint = [&](const r1wb::testing::SshTestHost& h) {
      auto e = h.endpoint();
      e.known_hosts = (dir / "known_hosts").string();
      return e;
    };
    auto e = endpoint(target);
    e.jumps = {endpoint(outer), endpoint(inner)};
    // Each hop's key is checked: the outer one is unknown first, and refused naming it.
    try {
      SshSession s(e);
      FAIL() << "connected through an unknown jump host";
    } catch (const HostKeyRefused& refused) {
      EXPECT_NE(std::string(refused.what()).find(std::to_string(outer.sshd.port)), std::string::npos) << refused.what();
      trust_host_key(e.known_hosts, "127.0.0.1", outer.sshd.port, refused.key_type, refused.key_blob);
    }
    for (const auto* h : {&inner, &target}) {  // the next hops are reached through the tunnel already
      try {
        SshSession s(e);
        FAIL() << "connected with an unknown key on the way";
      } catch (const HostKeyRefused& refused) {
        EXPECT_NE(std::string(refused.what()).find(std::to_string(h->sshd.port)), std::string::npos)
            << refused.what();
        trust_host_key(e.known_hosts, "127.0.0.1", h->sshd.port, refused.key_type, refused.key_blob);
      }
    }
    const int outer_before = accepted_logins(dir / "outer"), inner_before = accepted_logins(dir / "inner");
    SshSession s(e);
    EXPECT_EQ(accepted_logins(dir / "outer"), outer_before + 1) << "the way went through the outer hop";
    EXPECT_EQ(accepted_logins(dir / "inner"), inner_before + 1) << "and through the inner one";
    const std::string big(2000000, 'y');
    const auto r = s.exec("cat", big);
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(r.out, big) << "2 MB both ways through two tunnels";
  }
  fs::remove_all(dir);
}

TEST(SshSession, APassphraseIsAskedOnceForItsKeyAndAWrongOneIsNotAskedAgain) {
  Fixture f;
  f.trust_host();
  const auto locked = f.dir / "locked_key";
  ASSERT_EQ(std::system(("ssh-keygen -q -t ed25519 -N 's3cret words' -f '" + locked.string() + "'").c_str()), 0);
  {
    std::ifstream pub(locked.string() + ".pub");
    std::ofstream(f.dir / "authorized_keys", std::ios::app) << pub.rdbuf();
  }
  auto e = f.endpoint();
  e.identity_files = {locked.string()};
  int asked = 0;
  Prompts wrong{[&](const std::string& key) -> std::optional<std::string> {
    ++asked;
    EXPECT_EQ(key, locked.string());
    return std::string("not it");
  }};
  EXPECT_THROW(SshSession(e, wrong), std::runtime_error);
  EXPECT_EQ(asked, 1) << "a wrong answer is not asked for again (a one-time code would burn)";
  asked = 0;
  Prompts right{[&](const std::string&) -> std::optional<std::string> {
    ++asked;
    return std::string("s3cret words");
  }};
  SshSession s(e, right);
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(s.exec("echo in").out, "in\n");
}
