#include "core/formats/compression_report.h"

#include "core/formats/atomic_file.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace r1wb {
namespace {

constexpr const char* kReportFormat = "r1wb-compression-report";
constexpr int kVersion = 1;

using nlohmann::json;

//! NaN (a layer without that matrix) as null: JSON has no NaN.
json number_or_null(double v) { return std::isnan(v) ? json(nullptr) : json(v); }

//! Reads fields of one object, naming the path of the first that is missing or of another type.
class Fields {
 public:
  Fields(const json& doc, std::string path, const std::string& what) : doc_(doc), path_(std::move(path)), what_(what) {
    if (!doc_.is_object()) fail("", "an object");
  }
  [[noreturn]] void fail(const std::string& key, const std::string& expected) const {
    throw std::runtime_error(what_ + ": " + (path_.empty() ? key : key.empty() ? path_ : path_ + "." + key) +
                             " is not " + expected);
  }
  const json& at(const std::string& key) const {
    const auto it = doc_.find(key);
    if (it == doc_.end()) throw std::runtime_error(what_ + ": " + join(key) + " is missing");
    return *it;
  }
  std::string text(const std::string& key) const {
    const auto& v = at(key);
    if (!v.is_string()) fail(key, "a string");
    return v.get<std::string>();
  }
  double number(const std::string& key) const {
    const auto& v = at(key);
    if (!v.is_number()) fail(key, "a number");
    return v.get<double>();
  }
  int64_t count(const std::string& key) const {
    const auto& v = at(key);
    if (!v.is_number_integer() || v.get<int64_t>() < 0) fail(key, "a whole number >= 0");
    return v.get<int64_t>();
  }
  std::string join(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

 private:
  const json& doc_;
  std::string path_;
  const std::string& what_;
};

//! A list of numbers where null stands for NaN.
std::vector<double> numbers(const json& v, const std::string& path, const std::string& what) {
  if (!v.is_array()) throw std::runtime_error(what + ": " + path + " is not a list");
  std::vector<double> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i].is_null()) out.push_back(std::numeric_limits<double>::quiet_NaN());
    else if (v[i].is_number()) out.push_back(v[i].get<double>());
    else throw std::runtime_error(what + ": " + path + "[" + std::to_string(i) + "] is not a number");
  }
  return out;
}

LayerErrors errors_from_json(const json& doc, const std::string& path, const std::string& what) {
  LayerErrors e;
  if (doc.is_null()) return e;
  Fields f(doc, path, what);
  const auto& m = f.at("matrices");
  if (!m.is_array()) f.fail("matrices", "a list");
  for (const auto& name : m) {
    if (!name.is_string()) f.fail("matrices", "a list of names");
    e.matrices.push_back(name.get<std::string>());
  }
  const auto& w = f.at("weight");
  if (!w.is_array()) f.fail("weight", "a list of layers");
  for (size_t i = 0; i < w.size(); ++i) {
    e.weight.push_back(numbers(w[i], f.join("weight[" + std::to_string(i) + "]"), what));
    if (e.weight.back().size() != e.matrices.size())
      throw std::runtime_error(what + ": " + f.join("weight[" + std::to_string(i) + "]") + " has " +
                               std::to_string(e.weight.back().size()) + " values for " +
                               std::to_string(e.matrices.size()) + " matrices");
  }
  e.output = numbers(f.at("output"), f.join("output"), what);
  if (e.output.size() != e.weight.size())
    throw std::runtime_error(what + ": " + f.join("output") + " has " + std::to_string(e.output.size()) +
                             " layers, weight has " + std::to_string(e.weight.size()));
  return e;
}

}  // namespace

json to_json(const CompressionReport& r) {
  json variants = json::array();
  for (const auto& v : r.variants) {
    json errors = nullptr;
    if (!v.errors.empty()) {
      json weight = json::array(), output = json::array();
      for (const auto& row : v.errors.weight) {
        json cells = json::array();
        for (double x : row) cells.push_back(number_or_null(x));
        weight.push_back(cells);
      }
      for (double x : v.errors.output) output.push_back(number_or_null(x));
      errors = {{"matrices", v.errors.matrices}, {"weight", weight}, {"output", output}};
    }
    variants.push_back({{"name", v.name},
                        {"quant", v.quant},
                        {"trained", v.trained},
                        {"bytes", v.bytes},
                        {"parameters", v.parameters},
                        {"accuracy", v.accuracy ? json(*v.accuracy) : json(nullptr)},
                        {"loss", v.loss},
                        {"tokens_per_s", v.tokens_per_s},
                        {"errors", errors}});
  }
  return {{"format", kReportFormat},     {"version", kVersion},     {"run_dir", r.run_dir},
          {"experiment", r.experiment}, {"device", r.device}, {"step", r.step},
          {"loss_kind", r.loss_kind}, {"variants", variants}};
}

CompressionReport compression_report_from_json(const json& doc, const std::string& what) {
  Fields f(doc, "", what);
  if (f.text("format") != kReportFormat) f.fail("format", std::string("\"") + kReportFormat + "\"");
  if (f.count("version") != kVersion) f.fail("version", std::to_string(kVersion) + " (a newer workbench wrote it?)");
  CompressionReport r;
  r.run_dir = f.text("run_dir"), r.experiment = f.text("experiment"), r.device = f.text("device");
  r.step = f.count("step");
  r.loss_kind = f.text("loss_kind");
  const auto& list = f.at("variants");
  if (!list.is_array() || list.empty()) f.fail("variants", "a non-empty list");
  for (size_t i = 0; i < list.size(); ++i) {
    Fields v(list[i], "variants[" + std::to_string(i) + "]", what);
    CompressionVariant c;
    c.name = v.text("name"), c.quant = v.text("quant");
    const auto& trained = v.at("trained");
    if (!trained.is_boolean()) v.fail("trained", "true or false");
    c.trained = trained.get<bool>();
    c.bytes = v.count("bytes"), c.parameters = v.count("parameters");
    if (!v.at("accuracy").is_null()) c.accuracy = v.number("accuracy");
    c.loss = v.number("loss"), c.tokens_per_s = v.number("tokens_per_s");
    c.errors = errors_from_json(v.at("errors"), v.join("errors"), what);
    r.variants.push_back(std::move(c));
  }
  return r;
}

std::string compression_report_path(const std::string& run_dir) {
  return (std::filesystem::path(run_dir) / "compression" / "report.json").string();
}

void write_compression_report(const std::string& path, const CompressionReport& r) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  const auto text = to_json(r).dump(1) + "\n";
  write_file_atomically(path, std::vector<uint8_t>(text.begin(), text.end()));
}

CompressionReport read_compression_report(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": no compression report (measure one first)");
  std::stringstream text;
  text << in.rdbuf();
  const auto doc = json::parse(text.str(), nullptr, false);
  if (doc.is_discarded()) throw std::runtime_error(path + ": not JSON (a damaged report; measure again)");
  return compression_report_from_json(doc, path);
}

}  // namespace r1wb
