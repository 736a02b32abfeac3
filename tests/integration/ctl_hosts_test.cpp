// `r1wb-ctl hosts` end to end through a real OpenSSH server on 127.0.0.1: a host added to a
// store is listed; its first probe refuses the unknown key and prints its fingerprint and the
// trust command; trust with another fingerprint trusts nothing; trust with the printed one adds
// the key, after which probe reports the machine and its runner; bad input is a usage error.
// `hosts install` runs the host's checkout's install script with its output shown and points the
// host at the runner it installed (a stub script stands in for the minutes-long build).
#include "tests/support/sshd_server.h"
#include "tests/support/stub_checkout.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

struct Result {
  int code;
  std::string out;  //!< stdout and stderr
};

Result ctl(const std::string& args) {
  const std::string cmd = std::string(R1WB_CTL) + " hosts " + args + " 2>&1";
  Result r{-1, {}};
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  r.code = WEXITSTATUS(::pclose(p));
  return r;
}

}  // namespace

TEST(CtlHosts, AddListProbeRefusesTheUnknownKeyTrustTheFingerprintProbeAgain) {
  const auto dir = fs::temp_directory_path() / ("r1wb-ctl-hosts-" + std::to_string(::getpid()));
  {
    r1wb::testing::SshdServer sshd(dir);
    const std::string common = " --store '" + (dir / "workbench.db").string() + "' --known-hosts '" +
                               (dir / "known_hosts").string() + "'";
    auto r = ctl("add lab --host 127.0.0.1 --port " + std::to_string(sshd.port) + " --user " + sshd.user + " --key '" +
                 sshd.user_key.string() + "' --runner '" + R1WB_RUNNER + "' --workdir '" + (dir / "runs").string() +
                 "'" + common);
    ASSERT_EQ(r.code, 0) << r.out;
    r = ctl("list" + common);
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("lab "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("127.0.0.1:" + std::to_string(sshd.port)), std::string::npos) << r.out;
    // The first probe: the key is unknown, its fingerprint and the trust step are printed.
    r = ctl("probe lab" + common);
    EXPECT_EQ(r.code, 1) << r.out;
    const auto at = r.out.find("--fingerprint ");
    ASSERT_NE(at, std::string::npos) << r.out;
    const std::string fingerprint = r.out.substr(at + 14, r.out.find('\n', at) - at - 14);
    EXPECT_EQ(fingerprint.rfind("SHA256:", 0), 0u) << fingerprint;
    EXPECT_FALSE(fs::exists(dir / "known_hosts")) << "nothing trusted by a probe";
    // Trust names the fingerprint: another one trusts nothing.
    r = ctl("trust lab --fingerprint SHA256:AAAA" + common);
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("not SHA256:AAAA: nothing trusted"), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(dir / "known_hosts"));
    r = ctl("trust lab --fingerprint " + fingerprint + common);
    ASSERT_EQ(r.code, 0) << r.out;
    // Now probe connects and reports the machine and its runner.
    r = ctl("probe lab" + common);
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find(std::to_string(::sysconf(_SC_NPROCESSORS_ONLN)) + " CPUs"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("protocol 1."), std::string::npos) << r.out;
    // Usage errors and an unknown host.
    EXPECT_EQ(ctl("add x --host h --ssh alias" + common).code, 2);
    EXPECT_EQ(ctl("add x --host h --port 99999" + common).code, 2);
    r = ctl("probe nosuch" + common);
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("no host nosuch"), std::string::npos) << r.out;
    EXPECT_EQ(ctl("remove lab" + common).code, 0);
    EXPECT_EQ(ctl("list" + common).out, "");
  }
  fs::remove_all(dir);
}

TEST(CtlHosts, InstallBuildsTheRunnerFromTheHostsCheckoutShowsItsOutputAndPointsTheHostAtIt) {
  const auto dir = fs::temp_directory_path() / ("r1wb-ctl-install-" + std::to_string(::getpid()));
  {
    r1wb::testing::SshdServer sshd(dir / "sshd");
    const std::string common = " --store '" + (dir / "workbench.db").string() + "' --known-hosts '" +
                               (dir / "known_hosts").string() + "'";
    ASSERT_EQ(ctl("add lab --host 127.0.0.1 --port " + std::to_string(sshd.port) + " --user " + sshd.user + " --key '" +
                  sshd.user_key.string() + "' --runner no-runner-yet" + common)
                  .code,
              0);
    const auto probed = ctl("probe lab" + common);  // trusts the key the way a user would
    const auto at = probed.out.find("--fingerprint ");
    ASSERT_NE(at, std::string::npos) << probed.out;
    ASSERT_EQ(ctl("trust lab " + probed.out.substr(at, probed.out.find('\n', at) - at) + common).code, 0);
    const auto checkout = dir / "the checkout", prefix = dir / "pre fix";
    r1wb::testing::write_stub_checkout(dir / "broken checkout", R1WB_RUNNER, 3);
    auto r = ctl("install lab --checkout '" + (dir / "broken checkout").string() + "' --prefix '" + prefix.string() +
                 "'" + common);
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("error: no LibTorch found"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("ended with 3"), std::string::npos) << r.out;
    EXPECT_NE(ctl("list" + common).out.find("runner no-runner-yet"), std::string::npos) << "a failed install changes nothing";
    r1wb::testing::write_stub_checkout(checkout, R1WB_RUNNER);
    r = ctl("install lab --checkout '" + checkout.string() + "' --prefix '" + prefix.string() + "'" + common);
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("[3/3] compiling"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("runner " + (prefix / "bin" / "r1wb-run").string()), std::string::npos) << r.out;
    r = ctl("probe lab" + common);
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("protocol"), std::string::npos) << "the installed runner answers the probe: " << r.out;
    r = ctl("install lab" + common);
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.out.find("install needs --checkout DIR"), std::string::npos) << r.out;
  }
  fs::remove_all(dir);
}
