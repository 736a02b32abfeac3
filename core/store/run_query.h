// The run browser's search language, one line of text as researchers type it:
//
//   tiny moe                 words: every one must appear in the name, experiment, tags or notes
//   status:failed            the run's status (repeat for "any of")
//   tag:baseline             a tag the run carries (repeat: all of them)
//   model.moe.top_k=2        a config field compared with =, !=, <, <=, >, >= (numbers compare
//   train.lr<1e-3            as numbers, anything else as text)
//
// The config conditions become SQLite JSON (json_extract) on the stored config, so they
// filter in the database, not in the window. Unknown fields and operators are reported with
// the token and what was expected; the rest of the query still applies.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace r1wb {

struct ConfigCondition {
  std::string path;  //!< "model.moe.top_k"
  std::string op;    //!< =, !=, <, <=, >, >=
  nlohmann::json value;
};

struct RunQuery {
  std::vector<std::string> words;
  std::vector<std::string> statuses;
  std::vector<std::string> tags;
  std::vector<ConfigCondition> config;
  bool empty() const { return words.empty() && statuses.empty() && tags.empty() && config.empty(); }
};

struct RunQueryParse {
  RunQuery query;
  std::vector<std::string> errors;  //!< "'model.moe.topk=2': no config field model.moe.topk"
};

RunQueryParse parse_run_query(const std::string& text);

}  // namespace r1wb
