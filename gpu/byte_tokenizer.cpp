#include "gpu/byte_tokenizer.h"

namespace r1wb::gpu {
std::vector<int64_t> byte_encode(const std::string& text) {
  std::vector<int64_t> ids(text.size());
  for (size_t i = 0; i < text.size(); ++i) ids[i] = static_cast<unsigned char>(text[i]);
  return ids;
}
std::string byte_decode(const std::vector<int64_t>& ids) {
  std::string s(ids.size(), '\0');
  for (size_t i = 0; i < ids.size(); ++i) s[i] = static_cast<char>(ids[i] & 0xFF);
  return s;
}
}  // namespace r1wb::gpu
