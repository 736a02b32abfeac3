// Pins the event protocol and the append-only log: every record kind round-trips, a torn
// tail is reported where it starts, a corrupt record is skipped and the records after it read,
// reopening continues seq and never deletes an intact record (event_log_damage_test.cpp tries
// damage at seeded random offsets).
#include "core/wire/event_log.h"
#include "core/wire/event_protocol.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace r1wb;
using r1wb::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::vector<wire::Payload> one_of_each() {
  wire::RunStarted rs;
  rs.host = "node7";
  rs.pid = 42;
  rs.resumed_from_step = 100;
  rs.total_steps = 200;
  rs.config_json = R"({"a":1})";
  wire::Metrics m;
  m.step = 10;
  m.wall_time = 1700000000.25;
  m.values = {{"train/loss", 2.5}, {"train/lr", 1e-3}};
  wire::Snapshot s;
  s.step = 10;
  s.name = "moe/expert_load";
  s.rows = 2;
  s.cols = 3;
  s.data = {0.1f, 0.2f, 0.7f, 0.3f, 0.3f, 0.4f};
  wire::Checkpoint c{50, "checkpoints/step-50"};
  wire::Log l{1700000000.5, wire::LogLevel::Warning, "skipped a step"};
  wire::Status st{200, "completed", "done"};
  wire::Export ex{200, 1700000001.5, "exports/run-step200-q4_0.gguf", "gguf", "q4_0", "llama", 123456};
  return {rs, m, s, c, l, st, ex};
}

void write_log(const std::string& path, int n_metrics) {
  EventLogWriter w(path);
  for (int i = 1; i <= n_metrics; ++i) w.append(wire::Metrics{i, 0.0, {{"train/loss", 1.0 / i}}});
  w.flush();
}

}  // namespace

TEST(EventProtocol, EveryRecordKindRoundTrips) {
  std::string bytes = wire::encode_stream_header();
  auto payloads = one_of_each();
  for (size_t i = 0; i < payloads.size(); ++i) bytes += wire::encode_record({i + 1, payloads[i]});
  wire::StreamDecoder dec;
  dec.feed(bytes.data(), bytes.size());
  std::vector<wire::Record> got;
  while (auto r = dec.next()) got.push_back(*r);
  ASSERT_EQ(got.size(), payloads.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].seq, i + 1);
    EXPECT_EQ(wire::kind_of(got[i].payload), wire::kind_of(payloads[i]));
    // Re-encoding the decoded record gives the same bytes: no field was lost or altered.
    EXPECT_EQ(wire::encode_record(got[i]), wire::encode_record({i + 1, payloads[i]})) << i;
  }
  auto& snap = std::get<wire::Snapshot>(got[2].payload);
  EXPECT_EQ(snap.rows, 2u);
  EXPECT_FLOAT_EQ(snap.data[2], 0.7f);
  EXPECT_EQ(std::get<wire::Metrics>(got[1].payload).values[0].first, "train/loss");
  const auto& ex = std::get<wire::Export>(got[6].payload);
  EXPECT_EQ(ex.path, "exports/run-step200-q4_0.gguf");
  EXPECT_EQ(ex.bytes, 123456u);
  EXPECT_EQ(ex.architecture, "llama");
}

TEST(EventProtocol, DecoderAcceptsOneByteAtATime) {
  std::string bytes = wire::encode_stream_header();
  for (auto& p : one_of_each()) bytes += wire::encode_record({1, p});
  wire::StreamDecoder dec;
  size_t n = 0;
  for (char c : bytes) {
    dec.feed(&c, 1);
    while (dec.next()) ++n;
  }
  EXPECT_EQ(n, one_of_each().size());
  EXPECT_EQ(dec.good_offset(), bytes.size());
}

TEST(EventProtocol, OtherVersionIsNamedNotMisread) {
  std::string bytes = wire::encode_stream_header();
  bytes[8] = 9;  // version field
  wire::StreamDecoder dec;
  dec.feed(bytes.data(), bytes.size());
  EXPECT_FALSE(dec.next());
  EXPECT_EQ(dec.status(), wire::DecodeStatus::VersionMismatch);
  EXPECT_NE(dec.error().find("event protocol version 9, this build reads version 1"), std::string::npos);
}

TEST(EventProtocol, ForeignBytesAreRejected) {
  std::string bytes = "hello world, this is not a stream";
  wire::StreamDecoder dec;
  dec.feed(bytes.data(), bytes.size());
  EXPECT_FALSE(dec.next());
  EXPECT_EQ(dec.status(), wire::DecodeStatus::Corrupt);
}

TEST(EventLog, RoundTripThroughFile) {
  TempDir d;
  auto path = (d.path / "events.log").string();
  {
    EventLogWriter w(path);
    for (auto& p : one_of_each()) w.append(p);
  }  // destructor flushes
  auto c = read_event_log(path);
  EXPECT_TRUE(c.clean()) << c.error;
  ASSERT_EQ(c.records.size(), one_of_each().size());
  EXPECT_EQ(c.records.back().seq, one_of_each().size());
  EXPECT_EQ(c.valid_bytes, c.file_bytes);
}

TEST(EventLog, TornTailIsDroppedAndReported) {
  TempDir d;
  auto path = (d.path / "events.log").string();
  write_log(path, 10);
  const auto full = fs::file_size(path);
  fs::resize_file(path, full - 5);  // a crash mid-write
  auto c = read_event_log(path);
  EXPECT_EQ(c.records.size(), 9u);
  EXPECT_FALSE(c.clean());
  EXPECT_NE(c.error.find("torn record at byte " + std::to_string(c.valid_bytes)), std::string::npos) << c.error;
}

namespace {
//! Flips one bit of byte `at` of the file.
void flip_byte(const std::string& path, size_t at) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(at));
  char b;
  f.read(&b, 1);
  b ^= 0x40;
  f.seekp(static_cast<std::streamoff>(at));
  f.write(&b, 1);
}
}  // namespace

TEST(EventLog, ACorruptRecordMidFileIsSkippedAndTheRecordsAfterItAreRead) {
  TempDir d;
  auto path = (d.path / "events.log").string();
  write_log(path, 10);
  auto c0 = read_event_log(path);
  const size_t rec = (c0.file_bytes - 16) / 10;  // header 16 bytes, then equal-sized records
  flip_byte(path, 16 + 3 * rec + 30);            // a payload byte of record 4
  auto c = read_event_log(path);
  ASSERT_EQ(c.records.size(), 9u);
  EXPECT_EQ(c.records[2].seq, 3u);
  EXPECT_EQ(c.records[3].seq, 5u);
  EXPECT_EQ(c.valid_bytes, c.file_bytes) << "the damage is not the tail: appending continues at the end";
  ASSERT_EQ(c.damage.size(), 1u);
  EXPECT_EQ(c.damage[0].kind, LogDamage::Kind::Corrupt);
  EXPECT_EQ(c.damage[0].offset, 16 + 3 * rec);
  EXPECT_EQ(c.damage[0].bytes, rec);
  ASSERT_TRUE(c.damage[0].lost());
  EXPECT_EQ(c.damage[0].lost()->first, 4u);
  EXPECT_EQ(c.damage[0].lost()->last, 4u);
  EXPECT_TRUE(c.lost_records());
  EXPECT_NE(c.error.find("checksum mismatch in record seq 4"), std::string::npos) << c.error;
  EXPECT_NE(c.error.find("record 4 is lost"), std::string::npos) << c.error;
}

TEST(EventLog, ReopenAfterTornTailKeepsTheCutBytesAsideAndContinuesSeq) {
  TempDir d;
  auto path = (d.path / "events.log").string();
  write_log(path, 10);
  const auto full = fs::file_size(path);
  fs::resize_file(path, full - 3);
  std::string cut;
  {
    EventLogWriter w(path);
    EXPECT_EQ(w.last_seq(), 9u);
    ASSERT_EQ(w.damage().size(), 1u);
    EXPECT_EQ(w.damage()[0].kind, LogDamage::Kind::Torn);
    EXPECT_FALSE(w.opened().lost_records()) << "a torn tail is a crash mid-write, not lost records";
    ASSERT_FALSE(w.cut_tail_copy().empty());
    EXPECT_EQ(fs::file_size(w.cut_tail_copy()), w.damage()[0].bytes);
    EXPECT_EQ(w.append(wire::Log{0, wire::LogLevel::Info, "resumed"}), 10u);
  }
  auto c = read_event_log(path);
  EXPECT_TRUE(c.clean()) << c.error;
  ASSERT_EQ(c.records.size(), 10u);
  for (size_t i = 0; i < c.records.size(); ++i) EXPECT_EQ(c.records[i].seq, i + 1);
}

TEST(EventLog, ReopenAfterMidFileDamageKeepsEveryRecordAfterIt) {
  TempDir d;
  auto path = (d.path / "events.log").string();
  write_log(path, 10);
  const size_t rec = (fs::file_size(path) - 16) / 10;
  flip_byte(path, 16 + 5 * rec + 2);  // record 6's header
  {
    EventLogWriter w(path);
    EXPECT_EQ(w.last_seq(), 10u);
    EXPECT_TRUE(w.cut_tail_copy().empty()) << "nothing is cut when the tail is intact";
    EXPECT_EQ(w.append(wire::Log{0, wire::LogLevel::Info, "resumed"}), 11u);
  }
  auto c = read_event_log(path);
  ASSERT_EQ(c.records.size(), 10u);
  EXPECT_EQ(c.records[4].seq, 5u);
  EXPECT_EQ(c.records[5].seq, 7u);
  EXPECT_EQ(c.records.back().seq, 11u);
  ASSERT_EQ(c.lost_seqs().size(), 1u);
  EXPECT_EQ(c.lost_seqs()[0].first, 6u);
}

TEST(EventLog, MirrorReceivesTheSameStream) {
  TempDir d;
  auto path = (d.path / "events.log").string();
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  {
    EventLogWriter w(path, fds[1]);
    for (auto& p : one_of_each()) w.append(p);
    w.flush();
  }
  ::close(fds[1]);
  std::string streamed;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) streamed.append(buf, size_t(n));
  ::close(fds[0]);
  std::ifstream in(path, std::ios::binary);
  std::string file((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(streamed, file);
}
