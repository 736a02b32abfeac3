#include "core/formats/example_set.h"

#include "core/formats/atomic_file.h"
#include "core/wire/crc32.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace r1wb {
namespace {

constexpr const char* kExampleSetFormat = "r1wb.example_set";

std::runtime_error fault(const std::string& path, const std::string& what) {
  return std::runtime_error(path + ": " + what);
}

//! Covers the source as well as the examples, so a changed header is caught too.
uint32_t checksum(const nlohmann::json& source, const std::string& body) {
  const std::string s = source.dump();
  return crc32(body.data(), body.size(), crc32(s.data(), s.size()));
}

}  // namespace

void write_example_set(const std::string& path, const ExampleSet& set) {
  std::string body;
  for (const auto& ex : set.examples)
    body += nlohmann::json{{"prompt", ex.prompt}, {"completion", ex.completion}}.dump() + "\n";
  const nlohmann::json header{{"format", kExampleSetFormat},
                              {"version", 1},
                              {"examples", set.examples.size()},
                              {"crc32", checksum(set.source, body)},
                              {"source", set.source}};
  const std::string text = header.dump() + "\n" + body;
  write_file_atomically(path, std::vector<uint8_t>(text.begin(), text.end()));
}

ExampleSet read_example_set(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw fault(path, "cannot be opened");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const size_t eol = text.find('\n');
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text.substr(0, eol));
  } catch (const std::exception&) {
    throw fault(path, "line 1 is not an example set's header (expected a JSON object with format \"" +
                          std::string(kExampleSetFormat) + "\")");
  }
  if (!header.is_object() || header.value("format", "") != kExampleSetFormat || !header.contains("examples") ||
      !header["examples"].is_number_unsigned() || !header.contains("crc32") || !header["crc32"].is_number_unsigned())
    throw fault(path, "line 1 is not an example set's header (expected format \"" + std::string(kExampleSetFormat) +
                          "\", examples and crc32)");
  if (header.value("version", 0) != 1)
    throw fault(path, "version " + header["version"].dump() + " is not one this build reads (expected 1)");
  const std::string body = eol == std::string::npos ? std::string() : text.substr(eol + 1);
  const uint32_t crc = checksum(header.value("source", nlohmann::json::object()), body);
  if (crc != header["crc32"].get<uint32_t>())
    throw fault(path, "the checksum of the source and examples is " + std::to_string(crc) + ", the header says " +
                          header["crc32"].dump() + ": the file was changed or cut after it was written");
  ExampleSet set;
  set.source = header.value("source", nlohmann::json::object());
  std::istringstream lines(body);
  std::string line;
  for (size_t n = 2; std::getline(lines, line); ++n) {
    try {
      const auto j = nlohmann::json::parse(line);
      set.examples.push_back({j.at("prompt").get<std::string>(), j.at("completion").get<std::string>()});
    } catch (const std::exception&) {
      throw fault(path, "line " + std::to_string(n) + " is not an example (expected {\"prompt\", \"completion\"})");
    }
  }
  if (set.examples.size() != header["examples"].get<size_t>())
    throw fault(path, "holds " + std::to_string(set.examples.size()) + " examples, the header says " +
                          header["examples"].dump());
  return set;
}

}  // namespace r1wb
