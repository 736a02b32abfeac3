#include "gpu/cli/cli_args.h"

#include "gpu/cli/commands.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <stdexcept>

namespace r1wb::gpu {


int usage_error(const std::string& msg, const char* usage) {
  std::cerr << "r1wb-run: " << msg << "\n\n" << usage;
  return kExitUsage;
}

std::optional<int> read_int_options(const Args& a, std::initializer_list<IntOption> specs,
                                    std::map<std::string, int64_t>& out, const char* usage) {
  for (const auto& spec : specs) {
    const auto v = int_option(a, spec.name, spec.fallback, spec.min);
    if (!v)
      return usage_error(std::string("--") + spec.name + ": '" + a.options.at(spec.name) + "' is not a valid integer",
                         usage);
    out[spec.name] = *v;
  }
  return std::nullopt;
}

const char* kQuantUsage =
    "--quant none|int8|int4|q8_0|q4_0 runs the model's block matrices rounded to that grid (post-\n"
    "training quantization of a float run, round to nearest; none runs a quantization-aware run in\n"
    "float); --quant-group N sets int4's group (default the run's quant.group_size); --quant-acts\n"
    "none|int8|q8_0 rounds their inputs too; --quant-steps learned|max: a run that learned its steps\n"
    "(quant.learned_steps) runs its own grid on them unless max asks for max|w| scales. Default: as\n"
    "the run trained.\n";

bool has_quant_options(const Args& a) {
  for (const char* name : {"quant", "quant-acts", "quant-group", "quant-steps"})
    if (a.options.count(name)) return true;
  return false;
}

std::optional<QuantConfig> quant_options(const Args& a, QuantConfig q, std::string& error) {
  const QuantConfig base = q;
  if (const auto it = a.options.find("quant"); it != a.options.end()) {
    const auto grid = parse_enum<WeightQuant>(it->second);
    if (!grid) {
      error = "--quant: '" + it->second + "' is not one of none, int8, int4, q8_0, q4_0";
      return std::nullopt;
    }
    q.weights = *grid;
    q.start_step = 0;
  }
  if (const auto it = a.options.find("quant-group"); it != a.options.end()) {
    const auto g = int_option(a, "quant-group", 32, 2);
    if (!g || *g > 4096) {
      error = "--quant-group: '" + it->second + "' is not a group size in [2, 4096]";
      return std::nullopt;
    }
    q.group_size = int(*g);
  }
  if (const auto it = a.options.find("quant-acts"); it != a.options.end()) {
    const auto grid = parse_enum<ActivationQuant>(it->second);
    if (!grid) {
      error = "--quant-acts: '" + it->second + "' is not one of none, int8, q8_0";
      return std::nullopt;
    }
    q.activations = *grid;
    q.start_step = 0;
  }
  // Learned steps belong to the grid they learned on.
  const bool same_grid = q.weights == base.weights && (q.weights != WeightQuant::Int4 || q.group_size == base.group_size);
  q.learned_steps = base.learned_steps && same_grid;
  if (const auto it = a.options.find("quant-steps"); it != a.options.end()) {
    if (it->second == "max") {
      q.learned_steps = false;
    } else if (it->second != "learned") {
      error = "--quant-steps: '" + it->second + "' is not one of learned, max";
      return std::nullopt;
    } else if (!q.learned_steps) {
      error = "--quant-steps: learned, but the run learned no steps for " + std::string(name_of(q.weights)) +
              (q.weights == WeightQuant::Int4 ? " in groups of " + std::to_string(q.group_size) : "");
      return std::nullopt;
    }
  }
  return q;
}

int report_failures(const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::invalid_argument& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kExitFailure;
  }
}


std::optional<Experiment> experiment_option(const Args& a, const std::string& name) {
  const auto it = a.options.find(name);
  if (it == a.options.end()) return std::nullopt;
  const auto r = load_experiment_file(it->second);
  if (r.ok()) return r.experiment;
  std::string why = "--" + name + " " + it->second + " is not a valid experiment:";
  for (const auto& e : r.errors) why += "\n  " + e.to_string();
  throw std::invalid_argument(why);
}

void print_errors(const ConfigResult& r) {
  for (const auto& e : r.errors) std::cerr << "error: " << e.to_string() << "\n";
}



}  // namespace r1wb::gpu
