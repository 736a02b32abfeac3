// Pins the request direction's framing (wire/requests.h): every kind round-trips through a
// decoder fed in arbitrary chunks, kinds a runner does not know are skipped, and bytes that
// are not requests stop reading with the offset.
#include "core/wire/requests.h"

#include <gtest/gtest.h>

using namespace r1wb::wire;

TEST(Requests, EveryKindRoundTripsThroughAChunkedStream) {
  const std::vector<Request> sent{
      {RequestKind::ResendAfter, 123456789012ull}, {RequestKind::Stop, 0}, {RequestKind::ProbeNow, 0}, {RequestKind::Kill, 0}};
  std::string bytes;
  for (const auto& r : sent) bytes += encode_request(r);
  ASSERT_EQ(bytes.size(), sent.size() * sizeof(RequestMessage));
  RequestDecoder d;
  std::vector<Request> got;
  for (size_t i = 0; i < bytes.size(); i += 5) {  // 5-byte chunks split every message
    d.feed(bytes.data() + i, std::min<size_t>(5, bytes.size() - i));
    while (auto r = d.next()) got.push_back(*r);
  }
  ASSERT_EQ(got.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(got[i].kind, sent[i].kind);
    EXPECT_EQ(got[i].argument, sent[i].argument);
  }
  EXPECT_TRUE(d.error().empty());
}

TEST(Requests, AnUnknownKindIsSkippedAndBadBytesStopReading) {
  std::string bytes = encode_request({RequestKind::Stop, 0});
  bytes[4] = 99;  // a kind from a newer GUI
  bytes += encode_request({RequestKind::ProbeNow, 0});
  bytes += "not a request at all";
  bytes += encode_request({RequestKind::Stop, 0});
  RequestDecoder d;
  d.feed(bytes.data(), bytes.size());
  auto first = d.next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->kind, RequestKind::ProbeNow);
  EXPECT_EQ(d.skipped_unknown(), 1u);
  EXPECT_FALSE(d.next());
  EXPECT_NE(d.error().find("at byte 32"), std::string::npos) << d.error();
  EXPECT_FALSE(d.next()) << "nothing is read after damage";
}
