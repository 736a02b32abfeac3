// GGUF v3, the file llama.cpp loads (ggml's gguf.h): magic "GGUF", version, counts, typed
// key/value metadata, tensor infos (name, dims with the row length first, ggml type, offset)
// and the tensor data, each tensor aligned. The writer lays a File out exactly as llama.cpp's
// strict reader expects (offsets in info order, every blob padded with zeros). GGUF itself has
// no checksums, so the writer adds two keys llama.cpp ignores: r1wb.header_crc32 (every byte
// before the data, this value read as zero) and r1wb.tensor_crc32 (one per tensor), and the
// reader refuses a file whose bytes do not match them, naming the file, the byte offset or
// tensor, and what is wrong. Files from elsewhere, without the keys, are read structurally.
#pragma once
#include "core/formats/ggml_blocks.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace r1wb::gguf {

//! A file that cannot be read: "<file>: byte <offset>: <what>" or "<file>: tensor <name>: <what>".
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class ValueType : uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, Bool = 7, String = 8, Array = 9, U64 = 10, I64 = 11,
  F64 = 12
};

//! One metadata value: a scalar, or an array of scalars or strings (type Array, `element` its
//! elements' type). Integers and bools are kept in `ints`, floats in `reals`, text in `strings`.
struct Value {
  ValueType type = ValueType::U32;
  ValueType element = ValueType::U32;  //!< arrays only
  std::vector<int64_t> ints;
  std::vector<double> reals;
  std::vector<std::string> strings;

  static Value u32(uint32_t v);
  static Value i32(int32_t v);
  static Value f32(float v);
  static Value boolean(bool v);
  static Value string(std::string v);
  static Value strings_array(std::vector<std::string> v);
  static Value i32_array(std::vector<int32_t> v);
  static Value f32_array(std::vector<float> v);
  bool is_array() const { return type == ValueType::Array; }
};

struct Tensor {
  std::string name;           //!< under 64 bytes
  std::vector<int64_t> dims;  //!< ggml's ne: dims[0] is the row length, the fastest varying
  ggml::Type type = ggml::Type::F32;
  std::vector<uint8_t> data;  //!< encoded, ggml::encoded_bytes(type, elements) long
  int64_t elements() const;
};

struct File {
  std::vector<std::pair<std::string, Value>> metadata;  //!< in file order
  std::vector<Tensor> tensors;                          //!< in file order
  uint32_t alignment = 32;

  const Value* find(const std::string& key) const;
  const Tensor* tensor(const std::string& name) const;
  //! The scalar of `key` as an integer / real / string; throws Error when missing or of another kind.
  int64_t integer(const std::string& key) const;
  double real(const std::string& key) const;
  const std::string& text(const std::string& key) const;
};

//! The file's bytes, checksum keys added.
std::vector<uint8_t> encode(const File& f);
//! Parses `bytes`; `source` names them in errors. With `require_checksums` (an export of ours
//! read back) a file without the r1wb checksum keys is refused too.
File decode(const std::vector<uint8_t>& bytes, const std::string& source, bool require_checksums);
//! Reads and decodes a file; Error names it when it cannot be opened.
File read(const std::string& path, bool require_checksums);

}  // namespace r1wb::gguf
