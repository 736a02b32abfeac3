// r1wb-bench-fetch: SFTP fetch throughput against OpenSSH's scp, side by side on one loopback
// sshd (tests/support: 127.0.0.1, throwaway keys), the same file, alternating runs, each with a
// fresh connection; prints MiB/s of each and the ratio of medians. Usage: r1wb-bench-fetch [MiB (200)] [rounds (3)].
#include "core/remote/sftp_fetch.h"
#include "tests/support/ssh_test_host.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

namespace fs = std::filesystem;
using namespace r1wb;

namespace {

int g_mib = 200, g_rounds = 3;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

TEST(BenchFetch, SftpAgainstScp) {
  const fs::path dir = fs::temp_directory_path() / ("r1wb-bench-fetch-" + std::to_string(::getpid()));
  {
    r1wb::testing::SshTestHost node(dir / "sshd");
    node.trust();
    const fs::path source = dir / "node" / "model.pt";
    fs::create_directories(source.parent_path());
    {
      std::mt19937_64 rng(1);
      std::vector<uint64_t> block(1 << 17);
      std::ofstream out(source, std::ios::binary);
      for (int i = 0; i < g_mib; ++i) {
        for (auto& v : block) v = rng();
        out.write(reinterpret_cast<const char*>(block.data()), std::streamsize(block.size() * 8));
      }
    }
    const std::string scp = "scp -q -P " + std::to_string(node.sshd.port) + " -i '" + node.sshd.user_key.string() +
                            "' -o UserKnownHostsFile='" + node.known_hosts() +
                            "' -o StrictHostKeyChecking=yes -o BatchMode=yes " + node.sshd.user + "@127.0.0.1:'" +
                            source.string() + "' '" + (dir / "scp.pt").string() + "'";
    std::vector<double> sftp_rates, scp_rates;
    for (int round = 0; round < g_rounds; ++round) {
      // As scp does: a fresh connection each time, counted in (the SHA-256 check is not).
      fs::remove(dir / "sftp.pt");
      const auto c0 = std::chrono::steady_clock::now();
      remote::SshSession ssh(node.endpoint());
      const double connect = std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
      const auto r = remote::sftp_fetch(ssh, source.string(), (dir / "sftp.pt").string());
      sftp_rates.push_back(g_mib / (connect + r.seconds));
      fs::remove(dir / "scp.pt");
      const auto t0 = std::chrono::steady_clock::now();
      ASSERT_EQ(std::system(scp.c_str()), 0) << scp;
      scp_rates.push_back(g_mib / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      std::printf("round %d: sftp_fetch %.0f MiB/s, scp %.0f MiB/s\n", round + 1, sftp_rates.back(), scp_rates.back());
    }
    std::printf("%d MiB over loopback, median of %d: sftp_fetch %.0f MiB/s, scp %.0f MiB/s, ratio %.2f\n", g_mib,
                g_rounds, median(sftp_rates), median(scp_rates), median(sftp_rates) / median(scp_rates));
    std::printf("(both include connecting; sftp_fetch's SHA-256 check, both sides, comes on top)\n");
  }
  fs::remove_all(dir);
}

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 1) g_mib = std::atoi(argv[1]);
  if (argc > 2) g_rounds = std::atoi(argv[2]);
  return RUN_ALL_TESTS();
}
