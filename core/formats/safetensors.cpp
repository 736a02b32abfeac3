#include "core/formats/safetensors.h"

#include "core/wire/crc32.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>

namespace r1wb::safetensors {
namespace {

constexpr const char* kHeaderCrc = "r1wb.header_crc32";
constexpr const char* kTensorCrc = "r1wb.tensor_crc32";
constexpr const char* kPlaceholder = "00000000";

std::string hex8(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

//! The header text with the header checksum's value replaced by the placeholder.
std::string with_placeholder(const std::string& header, const std::string& value, size_t at) {
  std::string h = header;
  h.replace(at, value.size(), kPlaceholder);
  return h;
}

}  // namespace

int64_t Tensor::elements() const {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

const Tensor* File::tensor(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

int64_t dtype_bytes(const std::string& d) {
  if (d == "F32" || d == "I32") return 4;
  if (d == "F16" || d == "BF16") return 2;
  if (d == "I8" || d == "U8") return 1;
  if (d == "I64" || d == "F64") return 8;
  throw std::invalid_argument("safetensors: dtype " + d + " is not one this code reads");
}

std::vector<uint8_t> encode(const File& f) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  nlohmann::json crcs = nlohmann::json::object();
  nlohmann::ordered_json meta = nlohmann::ordered_json::object();
  for (const auto& [k, v] : f.metadata) meta[k] = v;
  uint64_t offset = 0;
  for (const auto& t : f.tensors) {
    if (int64_t(t.data.size()) != t.elements() * dtype_bytes(t.dtype))
      throw std::invalid_argument("safetensors: tensor " + t.name + " holds " + std::to_string(t.data.size()) +
                                  " bytes, its dtype and shape " + std::to_string(t.elements() * dtype_bytes(t.dtype)));
    header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
    crcs[t.name] = crc32(t.data.data(), t.data.size());
  }
  meta[kTensorCrc] = crcs.dump();
  meta[kHeaderCrc] = kPlaceholder;
  nlohmann::ordered_json doc = {{"__metadata__", meta}};
  for (auto& [k, v] : header.items()) doc[k] = v;
  std::string text = doc.dump();
  const size_t at = text.find(std::string("\"") + kHeaderCrc + "\":\"") + std::strlen(kHeaderCrc) + 4;
  text.replace(at, 8, hex8(crc32(text.data(), text.size())));
  while (text.size() % 8 != 0) text += ' ';  // the data starts 8-aligned, as the reference writer pads
  const uint64_t n = text.size();
  std::vector<uint8_t> out(size_t(8 + n + offset));  // the length, the header, the tensors' bytes
  for (int i = 0; i < 8; ++i) out[size_t(i)] = uint8_t(n >> (8 * i));
  auto at_byte = std::copy(text.begin(), text.end(), out.begin() + 8);
  for (const auto& t : f.tensors) at_byte = std::copy(t.data.begin(), t.data.end(), at_byte);
  return out;
}

File decode(const std::vector<uint8_t>& bytes, const std::string& source, bool require_checksums) {
  auto fail = [&](const std::string& what) { return Error(source + ": " + what); };
  if (bytes.size() < 8) throw fail("shorter than the 8-byte header length (" + std::to_string(bytes.size()) + " bytes)");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(bytes[size_t(i)]) << (8 * i);
  if (n < 2 || n > bytes.size() - 8)
    throw fail("header length " + std::to_string(n) + " does not fit the file's " + std::to_string(bytes.size()) +
               " bytes");
  const std::string text(bytes.begin() + 8, bytes.begin() + 8 + int64_t(n));
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    throw fail(std::string("the header is not JSON (") + e.what() + ")");
  }
  if (!doc.is_object()) throw fail("the header is not a JSON object");
  File f;
  nlohmann::json crcs;
  std::string header_crc;
  if (doc.contains("__metadata__")) {
    const auto& meta = doc["__metadata__"];
    if (!meta.is_object()) throw fail("__metadata__ is not an object of strings");
    for (const auto& [k, v] : meta.items()) {
      if (!v.is_string()) throw fail("__metadata__." + k + " is not a string");
      if (k == kHeaderCrc)
        header_crc = v.get<std::string>();
      else if (k == kTensorCrc)
        crcs = nlohmann::json::parse(v.get<std::string>(), nullptr, false);
      else
        f.metadata[k] = v.get<std::string>();
    }
  }
  if (require_checksums && (header_crc.empty() || crcs.is_discarded() || !crcs.is_object()))
    throw fail("the r1wb checksums (" + std::string(kHeaderCrc) + ", " + kTensorCrc + ") are missing");
  if (!header_crc.empty()) {
    const std::string key = std::string("\"") + kHeaderCrc + "\":\"" + header_crc + "\"";
    const size_t at = text.find(key);
    if (at == std::string::npos) throw fail("the header checksum cannot be located in the header");
    const std::string zeroed = with_placeholder(text, header_crc, at + key.size() - 1 - header_crc.size());
    size_t end = zeroed.size();
    while (end > 0 && zeroed[end - 1] == ' ') --end;  // the padding is not covered
    if (hex8(crc32(zeroed.data(), end)) != header_crc)
      throw fail("the header's checksum is " + hex8(crc32(zeroed.data(), end)) + ", the file says " + header_crc +
                 ": the header was changed");
  }
  struct Entry {
    uint64_t begin, end;
    Tensor t;
  };
  std::vector<Entry> entries;
  for (const auto& [name, info] : doc.items()) {
    if (name == "__metadata__") continue;
    auto bad = [&](const std::string& what) { return Error(source + ": tensor " + name + ": " + what); };
    if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") || !info.contains("data_offsets"))
      throw bad("expected dtype, shape and data_offsets");
    Entry e;
    e.t.name = name;
    try {
      e.t.dtype = info["dtype"].get<std::string>();
      e.t.shape = info["shape"].get<std::vector<int64_t>>();
      const auto off = info["data_offsets"].get<std::vector<uint64_t>>();
      if (off.size() != 2) throw std::runtime_error("two offsets");
      e.begin = off[0], e.end = off[1];
    } catch (const std::exception&) {
      throw bad("dtype, shape or data_offsets of the wrong kind");
    }
    int64_t size = 0;
    try {
      size = e.t.elements() * dtype_bytes(e.t.dtype);
    } catch (const std::invalid_argument& x) {
      throw bad(x.what());
    }
    for (auto d : e.t.shape)
      if (d < 0) throw bad("a negative dimension");
    if (e.end < e.begin || e.end - e.begin != uint64_t(size))
      throw bad("data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + ") hold " +
                std::to_string(e.end - e.begin) + " bytes, its dtype and shape " + std::to_string(size));
    entries.push_back(std::move(e));
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  uint64_t at = 0;
  const uint64_t data = bytes.size() - 8 - n;
  for (auto& e : entries) {
    if (e.begin != at)
      throw fail("tensor " + e.t.name + ": data starts at " + std::to_string(e.begin) + ", expected " +
                 std::to_string(at) + " (tensors must lie back to back)");
    if (e.end > data)
      throw fail("tensor " + e.t.name + ": data ends at " + std::to_string(e.end) + ", past the file's " +
                 std::to_string(data) + " data bytes (the file is cut)");
    const auto* p = bytes.data() + 8 + n + e.begin;
    e.t.data.assign(p, p + (e.end - e.begin));
    if (!crcs.is_discarded() && crcs.is_object()) {
      if (!crcs.contains(e.t.name)) throw fail("tensor " + e.t.name + ": no checksum for it");
      const uint32_t c = crc32(e.t.data.data(), e.t.data.size());
      if (c != crcs[e.t.name].get<uint32_t>())
        throw fail("tensor " + e.t.name + ": its bytes' checksum is " + std::to_string(c) + ", the header says " +
                   crcs[e.t.name].dump() + ": the data was changed");
    }
    at = e.end;
    f.tensors.push_back(std::move(e.t));
  }
  if (at != data)
    throw fail(std::to_string(data - at) + " bytes after the last tensor (expected the file to end at its data)");
  if (!crcs.is_discarded() && crcs.is_object() && crcs.size() != f.tensors.size())
    throw fail("the header lists " + std::to_string(f.tensors.size()) + " tensors, the checksums " +
               std::to_string(crcs.size()));
  return f;
}

File read(const std::string& path, bool require_checksums) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot be opened");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  return decode(bytes, path, require_checksums);
}

}  // namespace r1wb::safetensors
