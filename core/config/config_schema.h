// The experiment schema as data: one row per field with its constraints, description and
// where it lands in `Experiment`. Validation, the README's config reference and the GUI's
// tooltips come from this one table; the defaults come from Experiment's member initialisers
// (a row's default_value is its field in a default-constructed Experiment).
#pragma once
#include "core/config/config.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace r1wb {

enum class FieldType { Int, Float, Bool, String, Enum, List };

struct FieldSpec {
  std::string path;  //!< "model.moe.top_k"
  FieldType type;
  nlohmann::json default_value;
  std::optional<double> min, max;    //!< inclusive bounds for numbers
  std::vector<std::string> choices;  //!< for Enum
  std::string description;
  std::function<void(Experiment&, const nlohmann::json&)> assign;  //!< a checked value into its field
  //! List fields: checks the elements, reporting errors under `path[i].key`.
  std::function<void(const nlohmann::json&, const std::string& path, std::vector<ConfigError>&)> check_list;
  std::function<nlohmann::json(const Experiment&)> read;  //!< the field's value as the document holds it
};

//! Every field of an experiment, in document order.
const std::vector<FieldSpec>& experiment_schema();
//! The spec for a path, or nullptr.
const FieldSpec* find_field(const std::string& path);
//! Markdown table of all fields (path, type, default, range, description).
std::string schema_markdown();
const char* field_type_name(FieldType t);
//! 8 rather than 8.0; 1e-05 rather than 1.0000000000000001e-05.
std::string format_number(double x);
//! A config value as a person reads it: text unquoted, numbers through format_number, the rest
//! as JSON (ablation labels, the form's fields, the results table).
std::string value_text(const nlohmann::json& v);

}  // namespace r1wb
