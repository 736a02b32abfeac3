#include "core/config/config.h"

#include "core/config/config_rules.h"
#include "core/config/config_schema.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

namespace r1wb {
namespace {

using nlohmann::json;

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

// Object paths that hold fields ("model", "model.moe", ...).
const std::set<std::string>& section_paths() {
  static const std::set<std::string> sections = [] {
    std::set<std::string> s;
    for (const auto& f : experiment_schema())
      for (size_t dot = f.path.find('.'); dot != std::string::npos; dot = f.path.find('.', dot + 1))
        s.insert(f.path.substr(0, dot));
    return s;
  }();
  return sections;
}

// Keys allowed directly under an object path.
std::vector<std::string> children_of(const std::string& parent) {
  std::set<std::string> keys;
  const std::string prefix = parent.empty() ? "" : parent + ".";
  for (const auto& f : experiment_schema()) {
    if (f.path.compare(0, prefix.size(), prefix) != 0) continue;
    std::string rest = f.path.substr(prefix.size());
    keys.insert(rest.substr(0, rest.find('.')));
  }
  return {keys.begin(), keys.end()};
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string unknown_key_message(const std::string& parent, const std::string& key) {
  auto allowed = children_of(parent);
  std::string best;
  size_t best_d = 3;  // suggest only close matches
  for (const auto& k : allowed) {
    size_t d = edit_distance(key, k);
    if (d < best_d) best_d = d, best = k;
  }
  std::string msg = "unknown key";
  if (!best.empty()) msg += " (did you mean '" + best + "'?)";
  msg += "; expected one of: ";
  for (size_t i = 0; i < allowed.size(); ++i) msg += (i ? ", " : "") + allowed[i];
  return msg;
}

std::string range_text(const FieldSpec& f) {
  std::string t = field_type_name(f.type);
  if (f.min && f.max) t += " in [" + format_number(*f.min) + ", " + format_number(*f.max) + "]";
  return t;
}

// Type and range of one present value; returns false with an error appended.
bool check_value(const FieldSpec& f, const json& v, std::vector<ConfigError>& errors) {
  auto fail = [&](const std::string& what) {
    errors.push_back({f.path, v.dump() + " " + what});
    return false;
  };
  switch (f.type) {
    case FieldType::Int:
      if (!v.is_number_integer()) return fail("is not an integer (expected " + range_text(f) + ")");
      break;
    case FieldType::Float:
      if (!v.is_number()) return fail("is not a number (expected " + range_text(f) + ")");
      break;
    case FieldType::Bool:
      if (!v.is_boolean()) return fail("is not a boolean (expected true or false)");
      return true;
    case FieldType::String:
      if (!v.is_string()) return fail("is not a string");
      return true;
    case FieldType::List:
      if (!v.is_array()) return fail("is not a list");
      f.check_list(v, f.path, errors);
      return true;
    case FieldType::Enum: {
      std::string list;
      for (size_t i = 0; i < f.choices.size(); ++i) list += (i ? ", " : "") + ("\"" + f.choices[i] + "\"");
      if (!v.is_string()) return fail("is not a string (expected one of " + list + ")");
      if (std::find(f.choices.begin(), f.choices.end(), v.get<std::string>()) == f.choices.end())
        return fail("is not allowed (expected one of " + list + ")");
      return true;
    }
  }
  double x = v.get<double>();
  if (!std::isfinite(x)) return fail("is not finite");
  if ((f.min && x < *f.min) || (f.max && x > *f.max)) return fail("is out of range (expected " + range_text(f) + ")");
  return true;
}

// Walks the document: unknown keys, wrong shapes, bad values.
void check_object(const json& obj, const std::string& path, std::vector<ConfigError>& errors) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string child = join_path(path, it.key());
    if (const FieldSpec* f = find_field(child)) {
      check_value(*f, it.value(), errors);
    } else if (section_paths().count(child)) {
      if (!it.value().is_object())
        errors.push_back({child, it.value().dump() + " is not an object (expected a section with keys)"});
      else
        check_object(it.value(), child, errors);
    } else {
      errors.push_back({child, unknown_key_message(path, it.key())});
    }
  }
}

// Nesting deeper than this is refused before anything walks or prints the document
// (serialising it recurses once per level).
constexpr int kMaxConfigDepth = 64;

struct TooDeep {
  std::string path;
};

// Follows the parser's events to know the dotted path of what it reads now, and stops it
// (TooDeep) past kMaxConfigDepth.
class ParsePath {
 public:
  bool observe(int depth, json::parse_event_t event, const json& parsed) {
    using E = json::parse_event_t;
    if (event == E::key) {
      frames_.back().part = parsed.get<std::string>();
      return true;
    }
    if (event == E::object_end || event == E::array_end) {
      frames_.pop_back();
      return true;
    }
    if (!frames_.empty() && frames_.back().array) frames_.back().part = std::to_string(frames_.back().elements++);
    if (event == E::object_start || event == E::array_start) {
      if (depth >= kMaxConfigDepth) throw TooDeep{path()};
      frames_.push_back({event == E::array_start, "", 0});
    }
    return true;
  }
  std::string path() const {
    std::string p;
    for (const auto& f : frames_)
      if (!f.part.empty()) p = f.array ? p + "[" + f.part + "]" : join_path(p, f.part);
    return p;
  }

 private:
  struct Frame {  // one open container
    bool array;
    std::string part;  // the key being read, or the element's index
    size_t elements;   // arrays: elements seen
  };
  std::vector<Frame> frames_;
};

// The path of a value nested deeper than `limit`, found without recursion; nullopt if none.
std::optional<std::string> path_deeper_than(const json& doc, int limit) {
  struct Item {
    const json* value;
    int depth;
    std::string path;
  };
  std::vector<Item> stack{{&doc, 0, ""}};
  while (!stack.empty()) {
    Item it = std::move(stack.back());
    stack.pop_back();
    if (!it.value->is_structured()) continue;
    if (it.depth >= limit) return it.path;
    size_t i = 0;
    for (auto c = it.value->begin(); c != it.value->end(); ++c, ++i)
      stack.push_back({&*c, it.depth + 1,
                       it.value->is_object() ? join_path(it.path, c.key()) : it.path + "[" + std::to_string(i) + "]"});
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> moe_layer_names(const ModelConfig& m) {
  std::vector<std::string> names;
  if (m.ffn != FfnKind::Moe) return names;
  for (int i = m.first_k_dense; i < m.n_layers; ++i) names.push_back("layer " + std::to_string(i));
  if (m.mtp_weight > 0) names.push_back("MTP");
  return names;
}

std::string ConfigError::to_string() const { return path.empty() ? message : path + ": " + message; }

ConfigResult validate_experiment(const json& doc) {
  ConfigResult r;
  if (!doc.is_object()) {
    r.errors.push_back({"", "the experiment must be a JSON object, got " + std::string(doc.type_name())});
    return r;
  }
  if (auto deep = path_deeper_than(doc, kMaxConfigDepth)) {
    r.errors.push_back({*deep, "is nested deeper than " + std::to_string(kMaxConfigDepth) +
                                   " levels (an experiment is at most a few levels deep)"});
    return r;
  }
  check_object(doc, "", r.errors);
  if (!r.ok()) return r;

  r.resolved = doc;
  for (const auto& f : experiment_schema()) {
    auto ptr = config_pointer(f.path);
    if (!r.resolved.contains(ptr)) r.resolved[ptr] = f.default_value;
    f.assign(r.experiment, r.resolved[ptr]);
  }
  for (const auto& section : section_rules()) section.check(r.experiment, r.errors);
  return r;
}

ConfigResult parse_experiment(std::string_view text) {
  json doc;
  ParsePath where;
  try {
    doc = json::parse(text.begin(), text.end(), [&](int depth, json::parse_event_t event, json& parsed) {
      return where.observe(depth, event, parsed);
    });
  } catch (const TooDeep& e) {
    ConfigResult r;
    r.errors.push_back({e.path, "is nested deeper than " + std::to_string(kMaxConfigDepth) +
                                    " levels (an experiment is at most a few levels deep)"});
    return r;
  } catch (const json::out_of_range& e) {  // the lexer: a number beyond a double
    ConfigResult r;
    std::string what = e.what();
    const auto pos = what.find("number overflow");
    r.errors.push_back({where.path(), (pos == std::string::npos ? what : what.substr(pos)) +
                                          " (expected a number a double can hold)"});
    return r;
  } catch (const json::parse_error& e) {
    // Turn the byte offset into a line and column a person can find.
    size_t line = 1, col = 1;
    for (size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n')
        ++line, col = 1;
      else
        ++col;
    }
    ConfigResult r;
    std::string what = e.what();
    auto pos = what.find("syntax error");
    r.errors.push_back({"", "invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(col) + ": " +
                                (pos == std::string::npos ? what : what.substr(pos))});
    return r;
  }
  return validate_experiment(doc);
}

ConfigResult load_experiment_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ConfigResult r;
    r.errors.push_back({"", "cannot read experiment file '" + path + "'"});
    return r;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_experiment(ss.str());
}

nlohmann::json::json_pointer config_pointer(const std::string& dotted_path) {
  std::string p = "/" + dotted_path;
  for (auto& c : p)
    if (c == '.') c = '/';
  return nlohmann::json::json_pointer(p);
}

nlohmann::json value_at(const nlohmann::json& doc, const std::string& dotted_path) {
  const auto ptr = config_pointer(dotted_path);
  return doc.is_object() && doc.contains(ptr) ? doc.at(ptr) : nlohmann::json();
}

}  // namespace r1wb
