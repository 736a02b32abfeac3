// safetensors, the weights file of the Hugging Face ecosystem: an 8-byte little-endian header
// length, a JSON header ({name: {"dtype", "shape", "data_offsets": [begin, end]}} and an optional
// "__metadata__" of strings), then the tensors' bytes back to back, little-endian, row-major.
// The format has no checksums, so the writer adds two metadata strings loaders pass through:
// r1wb.header_crc32 (the header's bytes with this value as "00000000") and r1wb.tensor_crc32
// (a JSON object name -> CRC-32 of its bytes), and the reader refuses a file whose bytes do
// not match them, naming the file, the tensor and what is wrong. Files from elsewhere, without
// the keys, are read structurally (offsets contiguous and in bounds, sizes = dtype x shape).
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace r1wb::safetensors {

//! "<file>: <what>" or "<file>: tensor <name>: <what>".
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Tensor {
  std::string name;
  std::string dtype;  //!< "F32", "F16", "BF16", "I8", "U8", "I32", "I64"
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
  int64_t elements() const;
};

struct File {
  std::map<std::string, std::string> metadata;  //!< __metadata__ (the checksum keys aside)
  std::vector<Tensor> tensors;                  //!< in data order
  const Tensor* tensor(const std::string& name) const;
};

//! Bytes per element of a dtype; throws std::invalid_argument for one this code does not know.
int64_t dtype_bytes(const std::string& dtype);
//! The file's bytes, checksum keys added.
std::vector<uint8_t> encode(const File& f);
//! Parses `bytes`; `source` names them in errors. With `require_checksums` (an export of ours
//! read back) a file without the r1wb checksum keys is refused too.
File decode(const std::vector<uint8_t>& bytes, const std::string& source, bool require_checksums);
File read(const std::string& path, bool require_checksums);

}  // namespace r1wb::safetensors
