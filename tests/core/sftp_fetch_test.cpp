// Fetching over SFTP (core/remote/sftp_fetch.h) from a real OpenSSH server on 127.0.0.1: a
// 200 MB checkpoint-sized file arrives byte for byte with the host's SHA-256; a fetch broken
// off half way resumes from its partial file; bytes damaged in a partial are caught by the hash
// and never put in place; a missing remote file is named.
#include "core/remote/sftp_fetch.h"
#include "tests/support/ssh_test_host.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

using namespace r1wb::remote;
namespace fs = std::filesystem;

namespace {

void write_random_file(const fs::path& path, size_t bytes, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> block(1 << 17);
  std::ofstream out(path, std::ios::binary);
  for (size_t done = 0; done < bytes;) {
    for (auto& v : block) v = rng();
    const size_t n = std::min(bytes - done, block.size() * 8);
    out.write(reinterpret_cast<const char*>(block.data()), std::streamsize(n));
    done += n;
  }
}

struct Abandon {};

}  // namespace

TEST(SftpFetch, A200MegabyteFileArrivesWithTheHostsHashResumesAfterABreakAndDamageIsCaught) {
  r1wb::testing::TempDir t;
  r1wb::testing::SshTestHost node(t.path / "sshd");
  node.trust();
  const auto source = t.path / "node" / "model.pt";
  fs::create_directories(source.parent_path());
  write_random_file(source, 200u << 20, 1);
  const std::string digest = sha256_of_file(source.string());
  SshSession ssh(node.endpoint());

  // Whole.
  const auto whole = t.path / "local" / "whole.pt";
  int reports = 0;
  const auto r = sftp_fetch(ssh, source.string(), whole.string(), [&](const FetchProgress& p) {
    EXPECT_LE(p.done, p.total);
    ++reports;
  });
  EXPECT_EQ(r.bytes, 200u << 20);
  EXPECT_EQ(r.resumed_from, 0u);
  EXPECT_EQ(r.sha256, digest);
  EXPECT_EQ(fs::file_size(whole), 200u << 20);
  EXPECT_GT(reports, 0);
  std::printf("[ sftp    ] 200 MiB in %.2f s (%.0f MiB/s)\n", r.seconds, 200 / r.seconds);

  // Broken off half way (the progress callback abandons it): the partial stays, the next fetch
  // goes on from it.
  const auto resumed = t.path / "local" / "resumed.pt";
  EXPECT_THROW(sftp_fetch(ssh, source.string(), resumed.string(),
                          [](const FetchProgress& p) {
                            if (p.done > (90u << 20)) throw Abandon{};
                          }),
               Abandon);
  EXPECT_FALSE(fs::exists(resumed));
  const auto partial_size = fs::file_size(resumed.string() + ".partial");
  EXPECT_GT(partial_size, 90u << 20);
  const auto again = sftp_fetch(ssh, source.string(), resumed.string());
  EXPECT_EQ(again.resumed_from, partial_size);
  EXPECT_EQ(again.sha256, digest);
  EXPECT_EQ(sha256_of_file(resumed.string()), digest);

  // Damage in a partial (a flipped byte from an earlier, broken fetch): caught, nothing in place.
  const auto damaged = t.path / "local" / "damaged.pt";
  {
    std::ifstream in(source, std::ios::binary);
    std::string half(50u << 20, '\0');
    in.read(half.data(), std::streamsize(half.size()));
    half[12345] ^= 1;
    std::ofstream(damaged.string() + ".partial", std::ios::binary) << half;
  }
  try {
    sftp_fetch(ssh, source.string(), damaged.string());
    FAIL() << "damaged bytes were accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("is not the host's " + digest), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(damaged));
  EXPECT_TRUE(fs::exists(damaged.string() + ".sha256-mismatch")) << "the bad bytes are kept for a look";
  EXPECT_EQ(sftp_fetch(ssh, source.string(), damaged.string()).sha256, digest) << "the next fetch starts over";

  try {
    sftp_fetch(ssh, (t.path / "node" / "nosuch.pt").string(), (t.path / "local" / "x").string());
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("nosuch.pt: cannot open it"), std::string::npos) << e.what();
  }
}
