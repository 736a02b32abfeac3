// Command-line arguments of the workbench's command-line programs (r1wb-run, r1wb-ctl):
// positional arguments, `--name value` options and `--flag`s, and typed option reads.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace r1wb {

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // --name value
  std::map<std::string, bool> flags;           // --name
};

//! Parses args; `with_value` lists the options that take a value. nullopt with `error` set
//! for an unknown option, a missing value, or an option given twice.
std::optional<Args> parse_args(const std::vector<std::string>& args, const std::vector<std::string>& with_value,
                               const std::vector<std::string>& flags, std::string& error);
//! Whether the arguments ask for help (--help, -h).
bool wants_help(const std::vector<std::string>& args);
//! The option `name` as an integer >= min, or `fallback` when absent; nullopt when malformed.
std::optional<int64_t> int_option(const Args& a, const std::string& name, int64_t fallback, int64_t min);
//! The option `name` as a finite number in [min, max], or `fallback` when absent; nullopt when
//! malformed or out of range.
std::optional<double> double_option(const Args& a, const std::string& name, double fallback, double min, double max);

}  // namespace r1wb
