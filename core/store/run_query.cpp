#include "core/store/run_query.h"

#include "core/config/config_schema.h"

#include <array>
#include <cctype>

namespace r1wb {
namespace {

// Splits at whitespace; "double quotes" keep spaces inside one token.
std::vector<std::string> tokens(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false, any = false;
  for (char c : text) {
    if (c == '"') {
      quoted = !quoted;
      any = true;
      continue;
    }
    if (!quoted && std::isspace(static_cast<unsigned char>(c))) {
      if (any) out.push_back(cur);
      cur.clear();
      any = false;
      continue;
    }
    cur += c;
    any = true;
  }
  if (any) out.push_back(cur);
  return out;
}

// A number or true/false stays typed; anything else is text.
nlohmann::json typed_value(const std::string& s) {
  if (s == "true") return true;
  if (s == "false") return false;
  try {
    size_t used = 0;
    const double d = std::stod(s, &used);
    if (used == s.size()) return d;
  } catch (const std::exception&) {}
  return s;
}

}  // namespace

RunQueryParse parse_run_query(const std::string& text) {
  RunQueryParse out;
  static const std::array<const char*, 6> kOps = {">=", "<=", "!=", "=", "<", ">"};
  for (const std::string& tok : tokens(text)) {
    if (tok.rfind("status:", 0) == 0) {
      out.query.statuses.push_back(tok.substr(7));
      continue;
    }
    if (tok.rfind("tag:", 0) == 0) {
      out.query.tags.push_back(tok.substr(4));
      continue;
    }
    size_t at = std::string::npos;
    std::string op;
    for (const char* o : kOps)
      if (size_t p = tok.find(o); p != std::string::npos && (at == std::string::npos || p < at ||
                                                             (p == at && std::string(o).size() > op.size()))) {
        at = p;
        op = o;
      }
    if (at == std::string::npos) {
      out.query.words.push_back(tok);
      continue;
    }
    const std::string path = tok.substr(0, at), value = tok.substr(at + op.size());
    if (path.empty() || value.empty()) {
      out.errors.push_back("'" + tok + "': expected field" + op + "value, e.g. model.moe.top_k=2");
      continue;
    }
    const FieldSpec* f = find_field(path);
    if (!f) {
      out.errors.push_back("'" + tok + "': no config field " + path + " (see docs/config-reference.md)");
      continue;
    }
    if (f->type == FieldType::List) {
      out.errors.push_back("'" + tok + "': " + path + " is a list; compare one of its scalar fields");
      continue;
    }
    // Text fields compare as text even when the value looks like a number.
    const bool text = f->type == FieldType::String || f->type == FieldType::Enum;
    out.query.config.push_back({path, op, text ? nlohmann::json(value) : typed_value(value)});
  }
  return out;
}

}  // namespace r1wb
