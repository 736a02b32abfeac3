// Pins how the event protocol evolves (wire/event_protocol.h): a reader skips a record kind it
// does not know (says so once, keeps its seq so a store sees no gap), reads a stream of a
// newer minor version whose payloads grew at the end, still reads streams written before minor
// versions existed, and still calls extra bytes damage when the writer is not newer.
#include "core/store/store.h"
#include "core/wire/crc32.h"
#include "core/wire/event_log.h"
#include "core/wire/event_protocol.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <fstream>

using namespace r1wb;

namespace {

void put(std::string& s, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s.push_back(char(v >> (8 * i)));
}

std::string header(uint32_t major, uint32_t minor) {
  std::string s(wire::kStreamMagic, 8);
  put(s, major, 4);
  put(s, minor, 4);
  return s;
}

// A record as a writer of another build would frame it: any kind, any payload bytes.
std::string raw_record(uint64_t seq, uint16_t kind, const std::string& payload) {
  unsigned char head[10];
  for (int i = 0; i < 8; ++i) head[i] = static_cast<unsigned char>(seq >> (8 * i));
  head[8] = static_cast<unsigned char>(kind), head[9] = static_cast<unsigned char>(kind >> 8);
  std::string s;
  put(s, payload.size(), 4);
  put(s, crc32(payload.data(), payload.size(), crc32(head, sizeof head)), 4);
  put(s, seq, 8);
  put(s, kind, 2);
  put(s, 0, 6);
  return s + payload;
}

// The payload bytes of a record this build writes.
std::string payload_of(const wire::Record& r) { return wire::encode_record(r).substr(sizeof(wire::RecordHeader)); }

std::vector<wire::Record> decode_all(const std::string& bytes, wire::StreamDecoder& d) {
  d.feed(bytes.data(), bytes.size());
  std::vector<wire::Record> out;
  while (auto r = d.next()) out.push_back(std::move(*r));
  return out;
}

}  // namespace

TEST(ProtocolVersions, ReaderSkipsAnUnknownRecordKindSaysSoOnceAndContinues) {
  const wire::Record m{1, wire::Metrics{1, 0.0, {{"train/loss", 2.0}}}};
  const wire::Record l{4, wire::Log{0.0, wire::LogLevel::Info, "after the unknown ones"}};
  const std::string stream = header(wire::kProtocolVersion, wire::kProtocolMinor + 1) + wire::encode_record(m) +
                             raw_record(2, 42, "a future record") + raw_record(3, 43, std::string(100, 'x')) +
                             wire::encode_record(l);
  wire::StreamDecoder d;
  const auto records = decode_all(stream, d);
  ASSERT_EQ(records.size(), 4u) << d.error();
  EXPECT_EQ(d.status(), wire::DecodeStatus::NeedMore) << "the stream is intact, not corrupt";
  EXPECT_EQ(std::get<wire::Unknown>(records[1].payload).kind, 42);
  EXPECT_EQ(std::get<wire::Unknown>(records[2].payload).kind, 43);
  EXPECT_EQ(std::get<wire::Log>(records[3].payload).text, "after the unknown ones");
  EXPECT_EQ(d.skipped_unknown(), 2u);
  const std::string note = d.take_note();
  EXPECT_NE(note.find("kind 42"), std::string::npos) << note;
  EXPECT_TRUE(d.take_note().empty()) << "said once";

  // A store ingests across the skipped seqs without seeing a gap.
  r1wb::testing::TempDir t;
  Store store((t.path / "w.db").string());
  const int64_t id = store.create_run("r-1", "r", "{}", "/r", "h");
  const auto res = store.ingest(id, records);
  EXPECT_FALSE(res.gap);
  EXPECT_EQ(res.last_seq, 4u);
  EXPECT_EQ(store.count_rows("metrics", id), 1);
  EXPECT_EQ(store.count_rows("logs", id), 1);
}

TEST(ProtocolVersions, ANewerMinorVersionIsReadByThisReader) {
  wire::Snapshot snap{7, "moe/expert_load", 1, 2, {0.25f, 0.75f}, {"layer 1"}};
  const std::string grown = payload_of({1, snap}) + std::string("\x05\x00\x00\x00later", 9);  // a field of minor + 1
  const wire::Record after{2, wire::Status{7, "completed", ""}};
  wire::StreamDecoder d;
  const auto records =
      decode_all(header(wire::kProtocolVersion, wire::kProtocolMinor + 1) +
                     raw_record(1, uint16_t(wire::RecordKind::Snapshot), grown) + wire::encode_record(after),
                 d);
  ASSERT_EQ(records.size(), 2u) << d.error();
  const auto& read = std::get<wire::Snapshot>(records[0].payload);
  EXPECT_EQ(read.data, snap.data);
  EXPECT_EQ(read.row_labels, snap.row_labels);
  EXPECT_EQ(std::get<wire::Status>(records[1].payload).state, "completed");

  // The same bytes from a writer of this minor version are damage.
  wire::StreamDecoder same;
  decode_all(
      header(wire::kProtocolVersion, wire::kProtocolMinor) + raw_record(1, uint16_t(wire::RecordKind::Snapshot), grown),
      same);
  EXPECT_EQ(same.status(), wire::DecodeStatus::Corrupt);
  EXPECT_NE(same.error().find("trailing bytes"), std::string::npos) << same.error();
}

TEST(ProtocolVersions, AStreamWrittenBeforeMinorVersionsStillReads) {
  // Minor 0: the header's second word was 0 and snapshots had no row labels.
  std::string old_snapshot;
  put(old_snapshot, 3, 8);
  put(old_snapshot, 15, 4);
  old_snapshot += "moe/expert_load";
  put(old_snapshot, 1, 4);
  put(old_snapshot, 1, 4);
  const float x = 0.5f;
  old_snapshot.append(reinterpret_cast<const char*>(&x), 4);
  wire::StreamDecoder d;
  const auto records = decode_all(
      header(wire::kProtocolVersion, 0) + raw_record(1, uint16_t(wire::RecordKind::Snapshot), old_snapshot), d);
  ASSERT_EQ(records.size(), 1u) << d.error();
  const auto& s = std::get<wire::Snapshot>(records[0].payload);
  EXPECT_EQ(s.step, 3);
  EXPECT_EQ(s.data, std::vector<float>{0.5f});
  EXPECT_TRUE(s.row_labels.empty());
}

TEST(ProtocolVersions, AnotherMajorVersionIsRefusedWithBothVersions) {
  wire::StreamDecoder d;
  decode_all(header(wire::kProtocolVersion + 1, 0), d);
  EXPECT_EQ(d.status(), wire::DecodeStatus::VersionMismatch);
  EXPECT_NE(d.error().find("version " + std::to_string(wire::kProtocolVersion + 1)), std::string::npos) << d.error();
}

TEST(ProtocolVersions, SnapshotRowLabelsRoundTripThroughTheStore) {
  r1wb::testing::TempDir t;
  Store store((t.path / "w.db").string());
  const int64_t id = store.create_run("r-1", "r", "{}", "/r", "h");
  wire::Snapshot snap{5, "probe/expert_choice", 2, 1, {3.0f, 1.0f}, {"layer 0 / choice 0", "layer 0 / choice 1"}};
  wire::StreamDecoder d;
  const auto records = decode_all(wire::encode_stream_header() + wire::encode_record({1, snap}), d);
  ASSERT_EQ(records.size(), 1u);
  store.ingest(id, records);
  const auto row = store.latest_snapshot(id, "probe/expert_choice");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->row_labels, snap.row_labels);
}

TEST(ProtocolVersions, AnOlderLogReopenedByThisBuildCarriesThisMinorInItsHeader) {
  r1wb::testing::TempDir t;
  const std::string path = (t.path / "events.log").string();
  {
    std::ofstream out(path, std::ios::binary);  // a minor-0 log with one record
    out << header(wire::kProtocolVersion, 0) << wire::encode_record({1, wire::Log{0.0, wire::LogLevel::Info, "old"}});
  }
  {
    EventLogWriter w(path);
    w.append(wire::Snapshot{1, "moe/expert_load", 1, 1, {1.0f}, {"layer 0"}});  // minor-1 layout
  }
  const auto log = read_event_log(path);
  ASSERT_TRUE(log.clean()) << log.error;
  ASSERT_EQ(log.records.size(), 2u);
  std::ifstream in(path, std::ios::binary);
  std::string head(16, '\0');
  in.read(head.data(), 16);
  EXPECT_EQ(uint32_t(uint8_t(head[12])), wire::kProtocolMinor) << "the appended records' layout is this minor's";
}
