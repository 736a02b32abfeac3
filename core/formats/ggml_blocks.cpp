#include "core/formats/ggml_blocks.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace r1wb::ggml {
namespace {

uint32_t bits_of(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  return x;
}

float float_of(uint32_t x) {
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

void put_u16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(uint8_t(v & 0xFF));
  out.push_back(uint8_t(v >> 8));
}

uint16_t get_u16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }

void encode_q8_0(const float* x, std::vector<uint8_t>& out) {
  float amax = 0;
  for (int64_t j = 0; j < kBlock; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127.f, id = d != 0 ? 1.f / d : 0.f;
  put_u16(out, fp16_bits(d));
  for (int64_t j = 0; j < kBlock; ++j) out.push_back(uint8_t(int8_t(std::roundf(x[j] * id))));
}

void encode_q4_0(const float* x, std::vector<uint8_t>& out) {
  float amax = 0, max = 0;
  for (int64_t j = 0; j < kBlock; ++j)
    if (amax < std::fabs(x[j])) amax = std::fabs(x[j]), max = x[j];
  const float d = max / -8.f, id = d != 0 ? 1.f / d : 0.f;
  put_u16(out, fp16_bits(d));
  for (int64_t j = 0; j < kBlock / 2; ++j) {
    const int lo = std::min(15, int(int8_t(x[j] * id + 8.5f)));
    const int hi = std::min(15, int(int8_t(x[j + kBlock / 2] * id + 8.5f)));
    out.push_back(uint8_t(lo | (hi << 4)));
  }
}

}  // namespace

std::string name_of(Type t) {
  switch (t) {
    case Type::F32: return "f32";
    case Type::F16: return "f16";
    case Type::BF16: return "bf16";
    case Type::Q8_0: return "q8_0";
    case Type::Q4_0: return "q4_0";
  }
  return "type " + std::to_string(uint32_t(t));
}

bool type_named(const std::string& name, Type& out) {
  for (Type t : {Type::F32, Type::F16, Type::BF16, Type::Q8_0, Type::Q4_0})
    if (name_of(t) == name) {
      out = t;
      return true;
    }
  return false;
}

int64_t block_values(Type t) { return t == Type::Q8_0 || t == Type::Q4_0 ? kBlock : 1; }

int64_t block_bytes(Type t) {
  switch (t) {
    case Type::F32: return 4;
    case Type::F16:
    case Type::BF16: return 2;
    case Type::Q8_0: return 2 + kBlock;
    case Type::Q4_0: return 2 + kBlock / 2;
  }
  throw std::invalid_argument("ggml: unknown type " + std::to_string(uint32_t(t)));
}

int64_t encoded_bytes(Type t, int64_t n) {
  if (n % block_values(t) != 0)
    throw std::invalid_argument(name_of(t) + " stores blocks of " + std::to_string(block_values(t)) + " values, not " +
                                std::to_string(n));
  return n / block_values(t) * block_bytes(t);
}

uint16_t fp16_bits(float f) {
  const uint32_t x = bits_of(f);
  const uint16_t sign = uint16_t((x >> 16) & 0x8000);
  uint32_t mant = x & 0x7FFFFF;
  const int32_t exp = int32_t((x >> 23) & 0xFF);
  if (exp == 0xFF) return uint16_t(sign | 0x7C00 | (mant ? 0x200 | (mant >> 13) : 0));  // inf, NaN
  const int32_t e = exp - 127 + 15;
  if (e >= 0x1F) return uint16_t(sign | 0x7C00);  // beyond the largest half
  if (e <= 0) {                                   // a half subnormal, or zero
    if (e < -11) return sign;
    mant |= 0x800000;
    const uint32_t shift = uint32_t(14 - e), half = mant >> shift, rem = mant & ((1u << shift) - 1),
                   halfway = 1u << (shift - 1);
    return uint16_t(sign | (half + (rem > halfway || (rem == halfway && (half & 1)) ? 1 : 0)));
  }
  const uint32_t half = (uint32_t(e) << 10) | (mant >> 13), rem = mant & 0x1FFF;
  return uint16_t(sign | (half + (rem > 0x1000 || (rem == 0x1000 && (half & 1)) ? 1 : 0)));  // a carry rounds up the exponent
}

float from_fp16(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000) << 16, exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
  if (exp == 0x1F) return float_of(sign | 0x7F800000 | (mant << 13));
  if (exp == 0) {
    const float v = std::ldexp(float(mant), -24);
    return sign ? -v : v;
  }
  return float_of(sign | ((exp + 112) << 23) | (mant << 13));
}

uint16_t bf16_bits(float f) {
  const uint32_t x = bits_of(f);
  if ((x & 0x7FFFFFFF) > 0x7F800000) return uint16_t((x >> 16) | 64);  // a quiet NaN
  return uint16_t((x + 0x7FFF + ((x >> 16) & 1)) >> 16);
}

float from_bf16(uint16_t h) { return float_of(uint32_t(h) << 16); }

void encode(Type t, const float* x, int64_t n, std::vector<uint8_t>& out) {
  out.reserve(out.size() + size_t(encoded_bytes(t, n)));
  switch (t) {
    case Type::F32:
      for (int64_t i = 0; i < n; ++i) {
        const uint32_t b = bits_of(x[i]);
        for (int k = 0; k < 4; ++k) out.push_back(uint8_t(b >> (8 * k)));
      }
      return;
    case Type::F16:
      for (int64_t i = 0; i < n; ++i) put_u16(out, fp16_bits(x[i]));
      return;
    case Type::BF16:
      for (int64_t i = 0; i < n; ++i) put_u16(out, bf16_bits(x[i]));
      return;
    case Type::Q8_0:
      for (int64_t i = 0; i < n; i += kBlock) encode_q8_0(x + i, out);
      return;
    case Type::Q4_0:
      for (int64_t i = 0; i < n; i += kBlock) encode_q4_0(x + i, out);
      return;
  }
}

void decode(Type t, const uint8_t* p, int64_t n, float* out) {
  encoded_bytes(t, n);  // checks the block multiple
  switch (t) {
    case Type::F32:
      for (int64_t i = 0; i < n; ++i)
        out[i] = float_of(uint32_t(p[4 * i]) | uint32_t(p[4 * i + 1]) << 8 | uint32_t(p[4 * i + 2]) << 16 |
                          uint32_t(p[4 * i + 3]) << 24);
      return;
    case Type::F16:
      for (int64_t i = 0; i < n; ++i) out[i] = from_fp16(get_u16(p + 2 * i));
      return;
    case Type::BF16:
      for (int64_t i = 0; i < n; ++i) out[i] = from_bf16(get_u16(p + 2 * i));
      return;
    case Type::Q8_0:
      for (int64_t b = 0; b < n / kBlock; ++b, p += block_bytes(t)) {
        const float d = from_fp16(get_u16(p));
        for (int64_t j = 0; j < kBlock; ++j) out[b * kBlock + j] = float(int8_t(p[2 + j])) * d;
      }
      return;
    case Type::Q4_0:
      for (int64_t b = 0; b < n / kBlock; ++b, p += block_bytes(t)) {
        const float d = from_fp16(get_u16(p));
        for (int64_t j = 0; j < kBlock / 2; ++j) {
          out[b * kBlock + j] = float((p[2 + j] & 0x0F) - 8) * d;
          out[b * kBlock + j + kBlock / 2] = float((p[2 + j] >> 4) - 8) * d;
        }
      }
      return;
  }
}

}  // namespace r1wb::ggml
