// CRC-32 (IEEE 802.3, the zlib polynomial) for event-record checksums.
#pragma once
#include <cstddef>
#include <cstdint>

namespace r1wb {
//! Continues a CRC over `n` more bytes; start with crc = 0.
uint32_t crc32(const void* data, size_t n, uint32_t crc = 0);
}  // namespace r1wb
