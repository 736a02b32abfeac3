// The element encodings of ggml, llama.cpp's tensor library, that exports write: IEEE half
// (F16), bfloat16 (BF16), and the block formats Q8_0 and Q4_0 (32 values share one fp16
// scale). Bit-for-bit what ggml's reference quantizers produce, so a GGUF written here holds
// exactly the weights llama.cpp's own converter would, and a model quantization-aware trained
// against these grids exports without a second rounding.
//
//   Q8_0: 34 bytes per 32 values. d = max|x| / 127, q = round(x / d) in [-127, 127].
//   Q4_0: 18 bytes per 32 values. d = m / -8 where m is the value of largest magnitude,
//         q = min(15, trunc(x / d + 8.5)) in [0, 15], x ~ (q - 8) d; value j in the low
//         nibble of byte j, value j + 16 in the high nibble.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace r1wb::ggml {

enum class Type : uint32_t { F32 = 0, F16 = 1, Q4_0 = 2, Q8_0 = 8, BF16 = 30 };

constexpr int64_t kBlock = 32;  //!< values per Q8_0 / Q4_0 block

//! "f32", "f16", "bf16", "q8_0", "q4_0".
std::string name_of(Type t);
//! The type of a name name_of gives; false when there is none.
bool type_named(const std::string& name, Type& out);
//! Values per block (1 for the float types) and bytes per block.
int64_t block_values(Type t);
int64_t block_bytes(Type t);
//! Bytes of `n` values; n must be a multiple of block_values(t).
int64_t encoded_bytes(Type t, int64_t n);

uint16_t fp16_bits(float x);  //!< round to nearest even; overflow to inf
float from_fp16(uint16_t h);
uint16_t bf16_bits(float x);  //!< round to nearest even; NaN stays NaN
float from_bf16(uint16_t h);

//! `n` values as type `t` (n a multiple of block_values(t)), appended to `out`.
void encode(Type t, const float* x, int64_t n, std::vector<uint8_t>& out);
//! The `n` values `bytes` holds as type `t`.
void decode(Type t, const uint8_t* bytes, int64_t n, float* out);

}  // namespace r1wb::ggml
