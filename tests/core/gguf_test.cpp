// The export file formats: ggml's element encodings on hand-computed values (fp16 and bf16
// rounding, a Q8_0 and a Q4_0 block byte by byte), GGUF round trips of every value and tensor
// type with llama.cpp's layout rules, and damage: a byte flipped, or the file cut, at seeded
// random offsets is refused with the file named, never read as a model.
#include "core/formats/atomic_file.h"
#include "core/formats/gguf.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

using namespace r1wb;
using ggml::Type;

namespace {

std::vector<float> ramp(int n, float from = -16.f) {
  std::vector<float> x(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) x[size_t(i)] = from + float(i);
  return x;
}

gguf::Tensor tensor_of(const std::string& name, std::vector<int64_t> dims, Type type, const std::vector<float>& x) {
  gguf::Tensor t;
  t.name = name, t.dims = std::move(dims), t.type = type;
  ggml::encode(type, x.data(), int64_t(x.size()), t.data);
  return t;
}

//! A small file with every value kind and one tensor of each type.
gguf::File sample_gguf() {
  gguf::File f;
  f.metadata = {{"general.architecture", gguf::Value::string("llama")},
                {"llama.block_count", gguf::Value::u32(2)},
                {"llama.rope.freq_base", gguf::Value::f32(10000.f)},
                {"tokenizer.ggml.add_bos_token", gguf::Value::boolean(false)},
                {"some.i32", gguf::Value::i32(-7)},
                {"tokenizer.ggml.tokens", gguf::Value::strings_array({"a", "", "\xc4\x8a"})},
                {"tokenizer.ggml.token_type", gguf::Value::i32_array({1, 1, 3})},
                {"some.floats", gguf::Value::f32_array({0.5f, -2.f})}};
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  std::vector<float> x(64 * 3);
  for (auto& v : x) v = normal(rng);
  for (Type t : {Type::F32, Type::F16, Type::BF16, Type::Q8_0, Type::Q4_0})
    f.tensors.push_back(tensor_of("w." + ggml::name_of(t), {64, 3}, t, x));
  f.tensors.push_back(tensor_of("norm", {5}, Type::F32, {1, 2, 3, 4, 5}));
  return f;
}

}  // namespace

TEST(GgmlBlocks, HalfAndBfloatRoundToNearestEven) {
  EXPECT_EQ(ggml::fp16_bits(1.f), 0x3C00);
  EXPECT_EQ(ggml::fp16_bits(-2.f), 0xC000);
  EXPECT_EQ(ggml::fp16_bits(65504.f), 0x7BFF);
  EXPECT_EQ(ggml::fp16_bits(65520.f), 0x7C00) << "the halfway point above the largest half rounds to inf";
  EXPECT_EQ(ggml::fp16_bits(0.1f), 0x2E66);
  EXPECT_EQ(ggml::fp16_bits(std::ldexp(1.f, -24)), 0x0001) << "the smallest subnormal";
  EXPECT_EQ(ggml::fp16_bits(std::ldexp(1.f, -25)), 0x0000) << "a tie rounds to even (zero)";
  EXPECT_EQ(ggml::fp16_bits(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(ggml::fp16_bits(1.f + std::ldexp(1.f, -11)), 0x3C00) << "tie to even";
  EXPECT_EQ(ggml::fp16_bits(1.f + 3 * std::ldexp(1.f, -11)), 0x3C02) << "tie to even, upwards";
  for (uint32_t h = 0; h < 0x7C00; ++h) ASSERT_EQ(ggml::fp16_bits(ggml::from_fp16(uint16_t(h))), h) << h;
  EXPECT_EQ(ggml::bf16_bits(1.f), 0x3F80);
  EXPECT_EQ(ggml::bf16_bits(1.f + std::ldexp(1.f, -8)), 0x3F80) << "tie to even";
  EXPECT_EQ(ggml::bf16_bits(1.f + 3 * std::ldexp(1.f, -8)), 0x3F82) << "tie to even, upwards";
  EXPECT_TRUE(std::isnan(ggml::from_bf16(ggml::bf16_bits(std::nanf("")))));
}

TEST(GgmlBlocks, Q8ZeroBlockIsOneHalfScaleAndRoundedBytes) {
  const auto x = ramp(32);  // -16 .. 15: max |x| = 16, d = 16 / 127
  std::vector<uint8_t> b;
  ggml::encode(Type::Q8_0, x.data(), 32, b);
  ASSERT_EQ(b.size(), 34u);
  EXPECT_EQ(b[0] | (b[1] << 8), ggml::fp16_bits(16.f / 127.f));
  EXPECT_EQ(int8_t(b[2]), -127);                                        // -16
  EXPECT_EQ(int8_t(b[2 + 31]), int(std::round(15.f * 127.f / 16.f)));  // 15 -> 119
  EXPECT_EQ(int8_t(b[2 + 16]), 0);
  std::vector<float> back(32);
  ggml::decode(Type::Q8_0, b.data(), 32, back.data());
  const float d = ggml::from_fp16(ggml::fp16_bits(16.f / 127.f));
  for (int j = 0; j < 32; ++j) EXPECT_FLOAT_EQ(back[size_t(j)], float(int8_t(b[size_t(2 + j)])) * d);
}

TEST(GgmlBlocks, Q4ZeroBlockPutsValueJLowAndJPlus16High) {
  const auto x = ramp(32);  // the value of largest magnitude is -16: d = -16 / -8 = 2
  std::vector<uint8_t> b;
  ggml::encode(Type::Q4_0, x.data(), 32, b);
  ASSERT_EQ(b.size(), 18u);
  EXPECT_EQ(ggml::from_fp16(uint16_t(b[0] | (b[1] << 8))), 2.f);
  // q = min(15, trunc(x / 2 + 8.5)): x[0] = -16 -> 0, x[16] = 0 -> 8, x[15] = -1 -> 8, x[31] = 15 -> 15.
  EXPECT_EQ(b[2 + 0], 0x80);
  EXPECT_EQ(b[2 + 15], 0xF8);
  std::vector<float> back(32);
  ggml::decode(Type::Q4_0, b.data(), 32, back.data());
  EXPECT_EQ(back[0], -16.f);
  EXPECT_EQ(back[16], 0.f);
  EXPECT_EQ(back[31], 14.f) << "15 is beyond the grid's top, (15 - 8) * 2";
  for (int j = 0; j < 32; ++j) EXPECT_LE(std::fabs(back[size_t(j)] - x[size_t(j)]), 1.f + 1e-6f) << j;
}

TEST(GgmlBlocks, RefusesCountsThatAreNotWholeBlocks) {
  std::vector<uint8_t> b;
  const auto x = ramp(40);
  EXPECT_THROW(ggml::encode(Type::Q8_0, x.data(), 40, b), std::invalid_argument);
  EXPECT_EQ(ggml::encoded_bytes(Type::Q4_0, 64), 36);
  EXPECT_EQ(ggml::encoded_bytes(Type::BF16, 3), 6);
}

TEST(Gguf, RoundTripsEveryValueAndTensorTypeInLlamaCppsLayout) {
  const auto f = sample_gguf();
  const auto bytes = gguf::encode(f);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 4), "GGUF");
  EXPECT_EQ(bytes[4], 3);
  const auto g = gguf::decode(bytes, "sample.gguf", true);
  EXPECT_EQ(g.text("general.architecture"), "llama");
  EXPECT_EQ(g.integer("llama.block_count"), 2);
  EXPECT_EQ(g.find("llama.block_count")->type, gguf::ValueType::U32) << "llama.cpp's getters are type-strict";
  EXPECT_EQ(g.real("llama.rope.freq_base"), 10000.0);
  EXPECT_EQ(g.integer("tokenizer.ggml.add_bos_token"), 0);
  EXPECT_EQ(g.integer("some.i32"), -7);
  EXPECT_EQ(g.find("tokenizer.ggml.tokens")->strings, (std::vector<std::string>{"a", "", "\xc4\x8a"}));
  EXPECT_EQ(g.find("tokenizer.ggml.token_type")->ints, (std::vector<int64_t>{1, 1, 3}));
  EXPECT_EQ(g.find("some.floats")->reals, (std::vector<double>{0.5, -2.0}));
  ASSERT_EQ(g.tensors.size(), f.tensors.size());
  for (size_t i = 0; i < f.tensors.size(); ++i) {
    EXPECT_EQ(g.tensors[i].name, f.tensors[i].name);
    EXPECT_EQ(g.tensors[i].dims, f.tensors[i].dims);
    EXPECT_EQ(g.tensors[i].type, f.tensors[i].type);
    EXPECT_EQ(g.tensors[i].data, f.tensors[i].data) << f.tensors[i].name;
  }
  EXPECT_EQ(bytes.size() % 32, 0u) << "every tensor blob padded to the alignment";
}

TEST(Gguf, AByteFlippedAnywhereOrTheFileCutIsRefusedNamingTheFile) {
  const auto bytes = gguf::encode(sample_gguf());
  std::mt19937_64 rng(11);
  int flips = 0, cuts = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    auto damaged = bytes;
    const size_t at = std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(rng);
    damaged[at] ^= uint8_t(std::uniform_int_distribution<int>(1, 255)(rng));
    try {
      gguf::decode(damaged, "x.gguf", true);
      ADD_FAILURE() << "a byte changed at " << at << " was read as a model";
    } catch (const gguf::Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("x.gguf: ", 0), 0u) << e.what();
      ++flips;
    }
  }
  for (int trial = 0; trial < 500; ++trial) {
    const size_t keep = std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(rng);
    const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + long(keep));
    EXPECT_THROW(gguf::decode(cut, "x.gguf", true), gguf::Error) << "cut to " << keep << " bytes";
    ++cuts;
  }
  EXPECT_EQ(flips, 2000);
  EXPECT_EQ(cuts, 500);
}

TEST(Gguf, AFileFromElsewhereReadsWithoutChecksumsButOursRequireThem) {
  auto bytes = gguf::encode(sample_gguf());
  // Renaming the checksum key (same length) makes it a file without our checksums.
  const std::string key = "r1wb.header_crc32";
  auto at = std::search(bytes.begin(), bytes.end(), key.begin(), key.end());
  ASSERT_NE(at, bytes.end());
  *(at + 1) = 'X';
  EXPECT_NO_THROW(gguf::decode(bytes, "other.gguf", false));
  try {
    gguf::decode(bytes, "other.gguf", true);
    FAIL();
  } catch (const gguf::Error& e) {
    EXPECT_NE(std::string(e.what()).find("not an export of this workbench"), std::string::npos) << e.what();
  }
}

TEST(AtomicFile, TheFinalNameHoldsTheWholeFileAndNoPartialRemains) {
  const auto dir = std::filesystem::temp_directory_path() / ("r1wb-atomic-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "m.gguf").string();
  std::ofstream(partial_path_of(path)) << "left by a killed writer";
  write_file_atomically(path, {1, 2, 3});
  EXPECT_EQ(std::filesystem::file_size(path), 3u);
  EXPECT_FALSE(std::filesystem::exists(partial_path_of(path)));
  EXPECT_THROW(write_file_atomically((dir / "no-such-dir" / "m.gguf").string(), {1}), std::runtime_error);
  std::filesystem::remove_all(dir);
}
