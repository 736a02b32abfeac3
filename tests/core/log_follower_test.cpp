// Following a log while it is written: whatever the chunks the writer's bytes arrive in (cut at
// seeded random offsets, mid-header and mid-record), the follower hands over every record once,
// in order, as whole records; after a restart it picks up after the seq it is given.
#include "core/wire/event_log.h"
#include "core/wire/log_follower.h"
#include "core/wire/record_splitter.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

using namespace r1wb;
using namespace r1wb::wire;
namespace fs = std::filesystem;

namespace {

//! The bytes of a whole log of n records, as the runner writes it.
std::string log_bytes(const fs::path& dir, int n) {
  const auto path = dir / "source.log";
  {
    EventLogWriter w(path.string());
    for (int i = 1; i <= n; ++i) {
      if (i % 7 == 0)
        w.append(Log{0.0, LogLevel::Info, std::string(size_t(i * 13), 'x')});
      else
        w.append(Metrics{i, 0.0, {{"train/loss", 1.0 / i}}});
    }
    w.flush();
  }
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<uint64_t> seqs_of(const std::string& stream_without_header) {
  StreamDecoder d;
  const std::string bytes = encode_stream_header() + stream_without_header;
  d.feed(bytes.data(), bytes.size());
  std::vector<uint64_t> out;
  while (auto r = d.next()) out.push_back(r->seq);
  EXPECT_EQ(d.good_offset(), bytes.size()) << "only whole records are handed over";
  return out;
}

std::vector<uint64_t> range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> v;
  for (uint64_t s = first; s <= last; ++s) v.push_back(s);
  return v;
}

}  // namespace

TEST(LogFollower, EveryRecordOnceInOrderWhateverTheChunksTheLogGrowsIn) {
  r1wb::testing::TempDir t;
  const std::string all = log_bytes(t.path, 60);
  for (unsigned seed = 0; seed < 20; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const auto path = t.path / ("growing-" + std::to_string(seed) + ".log");
    LogFollower f(path.string(), 0);
    EXPECT_EQ(f.poll(), "") << "no file yet";
    std::mt19937 rng(seed);
    std::string got;
    for (size_t at = 0; at < all.size();) {
      const size_t n = std::min(all.size() - at, size_t(rng() % 90 + 1));
      std::ofstream(path, std::ios::binary | std::ios::app).write(all.data() + at, std::streamsize(n));
      at += n;
      got += f.poll();
    }
    EXPECT_EQ(seqs_of(got), range(1, 60));
    EXPECT_EQ(f.last_seq(), 60u);
    EXPECT_EQ(f.poll(), "");
  }
}

TEST(LogFollower, StartsAfterTheSeqItIsGivenAndReadsAgainAfterTheLogShrank) {
  r1wb::testing::TempDir t;
  const std::string all = log_bytes(t.path, 30);
  const auto path = t.path / "events.log";
  std::ofstream(path, std::ios::binary).write(all.data(), std::streamsize(all.size()));
  LogFollower f(path.string(), 21);
  EXPECT_EQ(seqs_of(f.poll()), range(22, 30));
  // A resumed runner cuts a torn tail and appends again: the log is shorter than what was read.
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(all.data(), 16 + 10);
  EXPECT_EQ(f.poll(), "");
  EXPECT_NE(f.take_note().find("shrank"), std::string::npos);
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(all.data(), std::streamsize(all.size()));
  EXPECT_EQ(f.poll(), "") << "records up to 30 were handed over already";
}

TEST(LogFollower, SkipsDamageInTheMiddleAndSaysSo) {
  r1wb::testing::TempDir t;
  std::string all = log_bytes(t.path, 20);
  all[all.size() / 2] ^= 0x5a;  // one flipped byte in a record in the middle
  const auto path = t.path / "events.log";
  std::ofstream(path, std::ios::binary).write(all.data(), std::streamsize(all.size()));
  LogFollower f(path.string(), 0);
  const auto seqs = seqs_of(f.poll());
  ASSERT_FALSE(seqs.empty());
  EXPECT_EQ(seqs.back(), 20u) << "what follows the damage is read";
  EXPECT_LT(seqs.size(), 20u);
  EXPECT_NE(f.take_note().find("skipped"), std::string::npos);
}

TEST(RecordSplitter, PassesWholeRecordsOnlySoTwoSourcesJoinWithoutAGap) {
  r1wb::testing::TempDir t;
  const std::string all = log_bytes(t.path, 40);
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    // The first source is cut at a random offset (mid-record); the second starts after the last
    // seq the first passed on, with a stream header of its own.
    const size_t cut = 16 + rng() % (all.size() - 16);
    RecordSplitter first;
    first.feed(all.data(), cut);
    uint64_t last = 0;
    std::string joined = first.take(last);
    LogFollower second((t.path / "source.log").string(), last);
    joined += second.poll();
    EXPECT_EQ(seqs_of(joined), range(1, 40)) << "cut at " << cut;
  }
}
