// Byte-level tokenizer: token id = byte value, vocabulary 256. Lossless for any text.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace r1wb::gpu {
std::vector<int64_t> byte_encode(const std::string& text);
std::string byte_decode(const std::vector<int64_t>& ids);
}  // namespace r1wb::gpu
