// The safetensors container (core/formats/safetensors.h): what is written reads back tensor for
// tensor, in the layout the format specifies (a reader that knows only the spec finds each
// tensor at 8 + header length + its offsets), and a file changed or cut at seeded random
// offsets is refused naming the file, never read as other weights.
#include "core/formats/safetensors.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <random>

using namespace r1wb;

namespace {

safetensors::File sample_safetensors() {
  safetensors::File f;
  f.metadata["format"] = "pt";
  std::mt19937 rng(7);
  auto add = [&](const std::string& name, const std::string& dtype, std::vector<int64_t> shape) {
    safetensors::Tensor t{name, dtype, shape, {}};
    t.data.resize(size_t(t.elements() * safetensors::dtype_bytes(dtype)));
    for (auto& b : t.data) b = uint8_t(rng());
    f.tensors.push_back(std::move(t));
  };
  add("model.embed_tokens.weight", "F32", {16, 8});
  add("model.layers.0.self_attn.q_proj.weight", "I8", {8, 8});
  add("model.layers.0.self_attn.q_proj.weight_scale", "F32", {8, 1});
  add("model.layers.0.mlp.up_proj.weight", "U8", {12, 4});
  add("model.norm.weight", "BF16", {8});
  return f;
}

}  // namespace

TEST(Safetensors, ReadsBackTensorForTensorWhereTheSpecPutsThem) {
  const auto f = sample_safetensors();
  const auto bytes = safetensors::encode(f);
  const auto back = safetensors::decode(bytes, "mem", true);
  EXPECT_EQ(back.metadata, f.metadata);
  ASSERT_EQ(back.tensors.size(), f.tensors.size());
  // By the spec alone: u64 header length, JSON header, data at 8 + length + offsets.
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(bytes[size_t(i)]) << (8 * i);
  EXPECT_EQ((8 + n) % 8, 0u) << "the data starts 8-aligned";
  const auto header = nlohmann::json::parse(std::string(bytes.begin() + 8, bytes.begin() + 8 + int64_t(n)));
  for (const auto& t : f.tensors) {
    const auto* r = back.tensor(t.name);
    ASSERT_NE(r, nullptr) << t.name;
    EXPECT_EQ(r->dtype, t.dtype);
    EXPECT_EQ(r->shape, t.shape);
    EXPECT_EQ(r->data, t.data);
    const auto off = header[t.name]["data_offsets"].get<std::vector<uint64_t>>();
    EXPECT_EQ(header[t.name]["dtype"], t.dtype);
    EXPECT_TRUE(std::equal(t.data.begin(), t.data.end(), bytes.begin() + int64_t(8 + n + off[0])));
  }
}

TEST(Safetensors, AByteChangedAnywhereOrTheFileCutIsRefusedNamingTheFile) {
  const auto bytes = safetensors::encode(sample_safetensors());
  std::mt19937_64 rng(20261206);
  for (int trial = 0; trial < 1500; ++trial) {
    auto damaged = bytes;
    if (trial % 4 == 3) {
      damaged.resize(std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(rng));
    } else {
      const size_t at = std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(rng);
      damaged[at] = uint8_t(damaged[at] ^ std::uniform_int_distribution<int>(1, 255)(rng));
    }
    try {
      safetensors::decode(damaged, "model.safetensors", true);
      ADD_FAILURE() << "trial " << trial << ": a damaged file was read";
    } catch (const safetensors::Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("model.safetensors: ", 0), 0u) << e.what();
    }
  }
}
