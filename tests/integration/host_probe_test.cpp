// Probing a host (core/remote/host_probe.h) through a real OpenSSH server on 127.0.0.1: this
// machine seen over SSH, with the real runner as the node's: CPU count, memory and disk as the
// machine has them, GPUs only where nvidia-smi exists, the runner's release and protocol as
// `r1wb-run version` prints them; a missing runner and a runner of another protocol major are
// problems that say what to install; a working directory with a space and a quote is data.
#include "core/remote/host_probe.h"
#include "core/wire/event_protocol.h"
#include "tests/integration/run_runner.h"
#include "tests/support/ssh_test_host.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <unistd.h>

using namespace r1wb::remote;
namespace fs = std::filesystem;

TEST(HostProbe, ThisMachineOverSshWithItsRunner) {
  const auto dir = fs::temp_directory_path() / ("r1wb-probe-" + std::to_string(::getpid()));
  {
    r1wb::testing::SshTestHost host(dir);
    host.trust();
    SshSession ssh(host.endpoint());
    const auto p = probe_host(ssh, R1WB_RUNNER, (dir / "runs with space's").string());
    EXPECT_EQ(p.cpus, int(::sysconf(_SC_NPROCESSORS_ONLN)));
    EXPECT_GT(p.memory_bytes, int64_t(1) << 30);
    EXPECT_GT(p.disk_free_bytes, 0) << "measured in the nearest existing parent";
    EXPECT_FALSE(p.os.empty());
    EXPECT_EQ(p.gpus.empty(), std::system("command -v nvidia-smi >/dev/null 2>&1") != 0);
    std::string out, err;
    ASSERT_EQ(r1wb::testing::run_runner({"version"}, dir, &err, &out), 0) << err;
    const auto local = nlohmann::json::parse(out);
    EXPECT_EQ(p.runner_version, local["version"]);
    EXPECT_EQ(p.runner_protocol, std::to_string(r1wb::wire::kProtocolVersion) + "." +
                                     std::to_string(r1wb::wire::kProtocolMinor));
    EXPECT_EQ(p.runner_libtorch, local["libtorch"]);
    EXPECT_TRUE(p.problems.empty()) << p.problems.front();
    // No runner there: the probe says what to do, and the rest is still measured.
    const auto missing = probe_host(ssh, "/nowhere/r1wb-run; touch " + (dir / "pwned").string());
    ASSERT_EQ(missing.problems.size(), 1u);
    EXPECT_NE(missing.problems[0].find("no runner answered at /nowhere/r1wb-run"), std::string::npos)
        << missing.problems[0];
    EXPECT_NE(missing.problems[0].find("build r1wb-run of this release on the host"), std::string::npos);
    EXPECT_EQ(missing.cpus, p.cpus);
    EXPECT_FALSE(fs::exists(dir / "pwned")) << "the runner path ran as shell";
  }
  fs::remove_all(dir);
}

TEST(HostProbe, ARunnerOfAnotherProtocolMajorIsAProblem) {
  const auto p = parse_probe("cpus=8\nmem_kb=1000\ngpu=NVIDIA H100, 81559 MiB\ndriver=550.54\n"
                             "runner={\"version\":\"9.0.0\",\"protocol\":\"9.1\",\"libtorch\":\"2.11\","
                             "\"cuda_devices\":1}\n",
                             "r1wb-run");
  EXPECT_EQ(p.cpus, 8);
  EXPECT_EQ(p.memory_bytes, 1024000);
  EXPECT_EQ(p.gpus, std::vector<std::string>{"NVIDIA H100, 81559 MiB"});
  EXPECT_EQ(p.cuda_driver, "550.54");
  EXPECT_EQ(p.runner_cuda_devices, 1);
  ASSERT_EQ(p.problems.size(), 1u);
  EXPECT_NE(p.problems[0].find("speaks event protocol 9.1"), std::string::npos) << p.problems[0];
}
