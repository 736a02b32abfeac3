#include "core/tasks/probe_tokens.h"

#include <cstdio>
#include <fstream>
#include <unordered_map>

namespace r1wb {
namespace {

std::string byte_text(int b) {
  if (b == '\n') return "\\n";
  if (b == ' ') return "\xC2\xB7";  // ·
  if (b >= 33 && b < 127) return std::string(1, char(b));
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", b & 0xFF);
  return buf;
}

}  // namespace

std::vector<std::string> probe_token_texts(const std::vector<float>& ids, const std::string& tokenizer,
                                           const std::string& run_dir) {
  std::unordered_map<int, std::string> pieces;
  if (tokenizer == "bpe") {
    std::ifstream in(run_dir + "/tokenizer.vocab");
    std::string line;
    while (std::getline(in, line)) {
      const auto tab = line.find('\t');
      if (tab == std::string::npos) continue;
      try {
        pieces[std::stoi(line.substr(0, tab))] = line.substr(tab + 1);
      } catch (const std::exception&) {}
    }
  }
  std::vector<std::string> out;
  for (float f : ids) {
    const int id = int(f);
    if (tokenizer != "bpe") {
      out.push_back(byte_text(id));
      continue;
    }
    auto it = pieces.find(id);
    std::string p = it == pieces.end() ? "#" + std::to_string(id) : it->second;
    if (p.rfind("\xE2\x96\x81", 0) == 0) p.replace(0, 3, "\xC2\xB7");  // SentencePiece's ▁ (a space) as ·
    out.push_back(p);
  }
  return out;
}

}  // namespace r1wb
