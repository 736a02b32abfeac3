#include "core/formats/gguf.h"

#include "core/wire/crc32.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

namespace r1wb::gguf {
namespace {

constexpr uint32_t kVersion = 3;
constexpr char kMagic[4] = {'G', 'G', 'U', 'F'};
constexpr const char* kHeaderCrc = "r1wb.header_crc32";
constexpr const char* kTensorCrc = "r1wb.tensor_crc32";
constexpr size_t kMaxName = 64;  // GGML_MAX_NAME, the terminating NUL included
constexpr int kMaxDims = 4;

int64_t padded(int64_t n, int64_t alignment) { return (n + alignment - 1) / alignment * alignment; }

int64_t scalar_size(ValueType t) {
  switch (t) {
    case ValueType::U8:
    case ValueType::I8:
    case ValueType::Bool: return 1;
    case ValueType::U16:
    case ValueType::I16: return 2;
    case ValueType::U32:
    case ValueType::I32:
    case ValueType::F32: return 4;
    case ValueType::U64:
    case ValueType::I64:
    case ValueType::F64: return 8;
    case ValueType::String: return 8;  // the length prefix at least
    case ValueType::Array: break;
  }
  return 0;
}

bool known_value_type(uint32_t t) { return t <= uint32_t(ValueType::F64); }

bool known_tensor_type(uint32_t t) {
  for (ggml::Type k : {ggml::Type::F32, ggml::Type::F16, ggml::Type::BF16, ggml::Type::Q8_0, ggml::Type::Q4_0})
    if (uint32_t(k) == t) return true;
  return false;
}

// ---- writing -------------------------------------------------------------------------------

struct Writer {
  std::vector<uint8_t> out;
  void raw(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  }
  template <typename T>
  void le(T v) {  // the machines this runs on are little-endian, as GGUF is
    raw(&v, sizeof v);
  }
  void str(const std::string& s) {
    le<uint64_t>(s.size());
    raw(s.data(), s.size());
  }
  void scalar(ValueType t, const Value& v, size_t i) {
    switch (t) {
      case ValueType::U8: le<uint8_t>(uint8_t(v.ints[i])); break;
      case ValueType::I8: le<int8_t>(int8_t(v.ints[i])); break;
      case ValueType::U16: le<uint16_t>(uint16_t(v.ints[i])); break;
      case ValueType::I16: le<int16_t>(int16_t(v.ints[i])); break;
      case ValueType::U32: le<uint32_t>(uint32_t(v.ints[i])); break;
      case ValueType::I32: le<int32_t>(int32_t(v.ints[i])); break;
      case ValueType::U64: le<uint64_t>(uint64_t(v.ints[i])); break;
      case ValueType::I64: le<int64_t>(v.ints[i]); break;
      case ValueType::Bool: le<uint8_t>(v.ints[i] ? 1 : 0); break;
      case ValueType::F32: le<float>(float(v.reals[i])); break;
      case ValueType::F64: le<double>(v.reals[i]); break;
      case ValueType::String: str(v.strings[i]); break;
      case ValueType::Array: throw std::invalid_argument("gguf: arrays of arrays are not GGUF");
    }
  }
  void value(const Value& v) {
    le<uint32_t>(uint32_t(v.type));
    if (!v.is_array()) return scalar(v.type, v, 0);
    le<uint32_t>(uint32_t(v.element));
    const size_t n = v.element == ValueType::String                           ? v.strings.size()
                     : v.element == ValueType::F32 || v.element == ValueType::F64 ? v.reals.size()
                                                                                : v.ints.size();
    le<uint64_t>(n);
    for (size_t i = 0; i < n; ++i) scalar(v.element, v, i);
  }
};

// ---- reading -------------------------------------------------------------------------------

struct Reader {
  const std::vector<uint8_t>& bytes;
  const std::string& source;
  size_t pos = 0;

  [[noreturn]] void fail(size_t at, const std::string& what) const {
    throw Error(source + ": byte " + std::to_string(at) + ": " + what);
  }
  void need(size_t n, const char* what) const {
    if (n > bytes.size() - pos)
      fail(pos, std::string("truncated: ") + what + " needs " + std::to_string(n) + " bytes, " +
                    std::to_string(bytes.size() - pos) + " remain");
  }
  template <typename T>
  T le(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, bytes.data() + pos, sizeof v);
    pos += sizeof v;
    return v;
  }
  std::string str(const char* what) {
    const size_t at = pos;
    const auto n = le<uint64_t>(what);
    if (n > bytes.size() - pos) fail(at, std::string(what) + ": a string of " + std::to_string(n) + " bytes, " +
                                             std::to_string(bytes.size() - pos) + " remain");
    std::string s(reinterpret_cast<const char*>(bytes.data() + pos), size_t(n));
    pos += size_t(n);
    return s;
  }
  ValueType type(const char* what) {
    const size_t at = pos;
    const auto t = le<uint32_t>(what);
    if (!known_value_type(t)) fail(at, std::string(what) + ": value type " + std::to_string(t) + " is not a GGUF type");
    return ValueType(t);
  }
  void scalar(ValueType t, Value& v) {
    switch (t) {
      case ValueType::U8: v.ints.push_back(le<uint8_t>("a u8")); break;
      case ValueType::I8: v.ints.push_back(le<int8_t>("an i8")); break;
      case ValueType::U16: v.ints.push_back(le<uint16_t>("a u16")); break;
      case ValueType::I16: v.ints.push_back(le<int16_t>("an i16")); break;
      case ValueType::U32: v.ints.push_back(le<uint32_t>("a u32")); break;
      case ValueType::I32: v.ints.push_back(le<int32_t>("an i32")); break;
      case ValueType::U64: v.ints.push_back(int64_t(le<uint64_t>("a u64"))); break;
      case ValueType::I64: v.ints.push_back(le<int64_t>("an i64")); break;
      case ValueType::Bool: {
        const size_t at = pos;
        const auto b = le<uint8_t>("a bool");
        if (b > 1) fail(at, "a bool of value " + std::to_string(b));
        v.ints.push_back(b);
        break;
      }
      case ValueType::F32: v.reals.push_back(le<float>("an f32")); break;
      case ValueType::F64: v.reals.push_back(le<double>("an f64")); break;
      case ValueType::String: v.strings.push_back(str("a string")); break;
      case ValueType::Array: fail(pos, "an array of arrays");
    }
  }
};

//! CRC-32 of bytes [0, end) with the 4 bytes at `hole` read as zero.
uint32_t crc_with_hole(const std::vector<uint8_t>& bytes, size_t end, size_t hole) {
  const uint8_t zero[4] = {0, 0, 0, 0};
  uint32_t c = crc32(bytes.data(), hole);
  c = crc32(zero, 4, c);
  return crc32(bytes.data() + hole + 4, end - hole - 4, c);
}

}  // namespace

Value Value::u32(uint32_t v) { return Value{ValueType::U32, ValueType::U32, {int64_t(v)}, {}, {}}; }
Value Value::i32(int32_t v) { return Value{ValueType::I32, ValueType::I32, {v}, {}, {}}; }
Value Value::f32(float v) { return Value{ValueType::F32, ValueType::F32, {}, {double(v)}, {}}; }
Value Value::boolean(bool v) { return Value{ValueType::Bool, ValueType::Bool, {v ? 1 : 0}, {}, {}}; }
Value Value::string(std::string v) { return Value{ValueType::String, ValueType::String, {}, {}, {std::move(v)}}; }
Value Value::strings_array(std::vector<std::string> v) {
  return Value{ValueType::Array, ValueType::String, {}, {}, std::move(v)};
}
Value Value::i32_array(std::vector<int32_t> v) {
  return Value{ValueType::Array, ValueType::I32, std::vector<int64_t>(v.begin(), v.end()), {}, {}};
}
Value Value::f32_array(std::vector<float> v) {
  return Value{ValueType::Array, ValueType::F32, {}, std::vector<double>(v.begin(), v.end()), {}};
}

int64_t Tensor::elements() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

const Value* File::find(const std::string& key) const {
  for (const auto& [k, v] : metadata)
    if (k == key) return &v;
  return nullptr;
}

const Tensor* File::tensor(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

int64_t File::integer(const std::string& key) const {
  const Value* v = find(key);
  if (!v || v->is_array() || v->ints.empty()) throw Error("gguf: no integer " + key);
  return v->ints[0];
}

double File::real(const std::string& key) const {
  const Value* v = find(key);
  if (!v || v->is_array() || v->reals.empty()) throw Error("gguf: no number " + key);
  return v->reals[0];
}

const std::string& File::text(const std::string& key) const {
  const Value* v = find(key);
  if (!v || v->is_array() || v->strings.empty()) throw Error("gguf: no string " + key);
  return v->strings[0];
}

std::vector<uint8_t> encode(const File& f) {
  if (f.alignment == 0 || (f.alignment & (f.alignment - 1)) != 0)
    throw std::invalid_argument("gguf: alignment " + std::to_string(f.alignment) + " is not a power of 2");
  std::set<std::string> names;
  std::vector<int64_t> crcs;
  for (const auto& t : f.tensors) {
    if (t.name.empty() || t.name.size() >= kMaxName) throw std::invalid_argument("gguf: tensor name '" + t.name + "'");
    if (!names.insert(t.name).second) throw std::invalid_argument("gguf: tensor " + t.name + " twice");
    if (t.dims.empty() || t.dims.size() > size_t(kMaxDims))
      throw std::invalid_argument("gguf: tensor " + t.name + " has " + std::to_string(t.dims.size()) + " dims");
    if (int64_t(t.data.size()) != ggml::encoded_bytes(t.type, t.elements()) || t.dims[0] % ggml::block_values(t.type))
      throw std::invalid_argument("gguf: tensor " + t.name + " holds " + std::to_string(t.data.size()) +
                                  " bytes for its shape and type");
    crcs.push_back(crc32(t.data.data(), t.data.size()));
  }
  auto metadata = f.metadata;
  metadata.emplace_back("general.alignment", Value::u32(f.alignment));
  metadata.emplace_back(kTensorCrc, Value{ValueType::Array, ValueType::U32, crcs, {}, {}});
  metadata.emplace_back(kHeaderCrc, Value::u32(0));

  Writer w;
  w.raw(kMagic, 4);
  w.le<uint32_t>(kVersion);
  w.le<int64_t>(int64_t(f.tensors.size()));
  w.le<int64_t>(int64_t(metadata.size()));
  size_t crc_at = 0;
  for (const auto& [key, value] : metadata) {
    w.str(key);
    if (key == kHeaderCrc) crc_at = w.out.size() + 4;  // after the value type
    w.value(value);
  }
  int64_t offset = 0;
  for (const auto& t : f.tensors) {
    w.str(t.name);
    w.le<uint32_t>(uint32_t(t.dims.size()));
    for (int64_t d : t.dims) w.le<int64_t>(d);
    w.le<uint32_t>(uint32_t(t.type));
    w.le<uint64_t>(uint64_t(offset));
    offset += padded(int64_t(t.data.size()), f.alignment);
  }
  w.out.resize(size_t(padded(int64_t(w.out.size()), f.alignment)), 0);
  const uint32_t header_crc = crc_with_hole(w.out, w.out.size(), crc_at);
  std::memcpy(w.out.data() + crc_at, &header_crc, 4);
  for (const auto& t : f.tensors) {
    w.raw(t.data.data(), t.data.size());
    w.out.resize(size_t(padded(int64_t(w.out.size()), f.alignment)), 0);
  }
  return std::move(w.out);
}

File decode(const std::vector<uint8_t>& bytes, const std::string& source, bool require_checksums) {
  Reader r{bytes, source};
  r.need(4, "the magic");
  if (std::memcmp(bytes.data(), kMagic, 4) != 0) r.fail(0, "not a GGUF file (no \"GGUF\" magic)");
  r.pos = 4;
  const auto version = r.le<uint32_t>("the version");
  if (version != kVersion) r.fail(4, "GGUF version " + std::to_string(version) + ", this reader reads 3");
  const auto n_tensors = r.le<int64_t>("the tensor count");
  const auto n_kv = r.le<int64_t>("the metadata count");
  if (n_tensors < 0 || uint64_t(n_tensors) > bytes.size()) r.fail(8, "tensor count " + std::to_string(n_tensors));
  if (n_kv < 0 || uint64_t(n_kv) > bytes.size()) r.fail(16, "metadata count " + std::to_string(n_kv));

  File f;
  size_t crc_at = 0;
  std::set<std::string> keys;
  for (int64_t i = 0; i < n_kv; ++i) {
    const size_t at = r.pos;
    auto key = r.str("a metadata key");
    if (key.empty() || !keys.insert(key).second) r.fail(at, "metadata key '" + key + "' empty or repeated");
    Value v;
    v.type = r.type("a value type");
    if (v.type == ValueType::Array) {
      v.element = r.type("an array's element type");
      if (v.element == ValueType::Array) r.fail(r.pos - 4, key + ": an array of arrays");
      const size_t count_at = r.pos;
      const auto n = r.le<uint64_t>("an array length");
      if (n > (bytes.size() - r.pos) / uint64_t(scalar_size(v.element)))
        r.fail(count_at, key + ": " + std::to_string(n) + " elements cannot fit in the " +
                             std::to_string(bytes.size() - r.pos) + " bytes left");
      for (uint64_t k = 0; k < n; ++k) r.scalar(v.element, v);
    } else {
      if (key == kHeaderCrc) crc_at = r.pos;
      r.scalar(v.type, v);
    }
    if (key == "general.alignment") {
      if (v.type != ValueType::U32 || v.ints[0] == 0 || (v.ints[0] & (v.ints[0] - 1)) != 0)
        r.fail(at, "general.alignment is not a u32 power of 2");
      f.alignment = uint32_t(v.ints[0]);
    }
    f.metadata.emplace_back(std::move(key), std::move(v));
  }
  std::set<std::string> names;
  std::vector<uint64_t> offsets;
  for (int64_t i = 0; i < n_tensors; ++i) {
    const size_t at = r.pos;
    Tensor t;
    t.name = r.str("a tensor name");
    if (t.name.empty() || t.name.size() >= kMaxName || !names.insert(t.name).second)
      r.fail(at, "tensor name '" + t.name + "' empty, too long or repeated");
    const auto n_dims = r.le<uint32_t>("a tensor's dimension count");
    if (n_dims < 1 || n_dims > uint32_t(kMaxDims))
      r.fail(at, "tensor " + t.name + ": " + std::to_string(n_dims) + " dimensions");
    int64_t elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const auto n = r.le<int64_t>("a tensor dimension");
      if (n < 1 || n > int64_t(bytes.size()) * 2 || elements > int64_t(bytes.size()) * 2 / n)
        r.fail(r.pos - 8, "tensor " + t.name + ": dimension " + std::to_string(n) + " beyond what the file can hold");
      elements *= n;
      t.dims.push_back(n);
    }
    const size_t type_at = r.pos;
    const auto type = r.le<uint32_t>("a tensor type");
    if (!known_tensor_type(type))
      r.fail(type_at, "tensor " + t.name + ": ggml type " + std::to_string(type) + " is not one this reader decodes");
    t.type = ggml::Type(type);
    if (t.dims[0] % ggml::block_values(t.type))
      r.fail(at, "tensor " + t.name + ": rows of " + std::to_string(t.dims[0]) + " values are not whole " +
                     ggml::name_of(t.type) + " blocks");
    offsets.push_back(r.le<uint64_t>("a tensor offset"));
    f.tensors.push_back(std::move(t));
  }
  const size_t data_start = size_t(padded(int64_t(r.pos), f.alignment));
  uint64_t expected = 0;
  for (size_t i = 0; i < f.tensors.size(); ++i) {
    auto& t = f.tensors[i];
    if (offsets[i] != expected)
      throw Error(source + ": tensor " + t.name + ": offset " + std::to_string(offsets[i]) + ", expected " +
                  std::to_string(expected));
    const uint64_t n = uint64_t(ggml::encoded_bytes(t.type, t.elements()));
    if (data_start + expected + n > bytes.size())
      throw Error(source + ": tensor " + t.name + ": truncated: its data ends at byte " +
                  std::to_string(data_start + expected + n) + ", the file at " + std::to_string(bytes.size()));
    t.data.assign(bytes.begin() + long(data_start + expected), bytes.begin() + long(data_start + expected + n));
    expected += uint64_t(padded(int64_t(n), f.alignment));
  }

  const Value* tensor_crcs = f.find(kTensorCrc);
  if (!crc_at || !tensor_crcs) {
    if (require_checksums)
      throw Error(source + ": no " + kHeaderCrc + " / " + kTensorCrc +
                  ": not an export of this workbench, or its metadata is damaged");
    return f;
  }
  const size_t end = data_start + size_t(expected);
  if (bytes.size() != end)
    throw Error(source + ": " + std::to_string(bytes.size()) + " bytes, its tensors end at byte " + std::to_string(end) +
                (bytes.size() < end ? " (truncated)" : " (bytes appended)"));
  uint32_t stored;
  std::memcpy(&stored, bytes.data() + crc_at, 4);
  if (crc_with_hole(bytes, data_start, crc_at) != stored)
    throw Error(source + ": the header (metadata and tensor infos, bytes 0-" + std::to_string(data_start) +
                ") does not match its checksum: damaged");
  if (tensor_crcs->element != ValueType::U32 || tensor_crcs->ints.size() != f.tensors.size())
    throw Error(source + ": " + kTensorCrc + " does not list one checksum per tensor");
  for (size_t i = 0, at = data_start; i < f.tensors.size(); ++i) {
    const auto& t = f.tensors[i];
    if (crc32(t.data.data(), t.data.size()) != uint32_t(tensor_crcs->ints[i]))
      throw Error(source + ": tensor " + t.name + ": its data (bytes " + std::to_string(at) + "-" +
                  std::to_string(at + t.data.size()) + ") does not match its checksum: damaged");
    const size_t pad_end = at + size_t(padded(int64_t(t.data.size()), f.alignment));
    for (size_t b = at + t.data.size(); b < pad_end; ++b)
      if (bytes[b] != 0) r.fail(b, "the padding after tensor " + t.name + " is not zero: damaged");
    at = pad_end;
  }
  return f;
}

File read(const std::string& path, bool require_checksums) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return decode(bytes, path, require_checksums);
}

}  // namespace r1wb::gguf
