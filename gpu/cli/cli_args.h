// What the r1wb-run commands share on top of core's argument parsing (core/cli/command_args.h):
// usage errors that exit 2, integer options read at once, the --quant and --as options.
#pragma once
#include "core/cli/command_args.h"
#include "core/config/config.h"

#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace r1wb::gpu {

//! Prints "r1wb-run: <msg>" and the usage to stderr; returns exit code 2.
int usage_error(const std::string& msg, const char* usage);
//! One "error: <path>: <message>" line per problem, to stderr.
void print_errors(const ConfigResult& r);

//! An integer option and its default and lower bound, for read_int_options.
struct IntOption {
  const char* name;
  int64_t fallback;
  int64_t min;
};
//! Reads every option of `specs` into `out` (by name); a malformed one is a usage error,
//! returned as the exit code (2). nullopt when all of them parsed.
std::optional<int> read_int_options(const Args& a, std::initializer_list<IntOption> specs,
                                    std::map<std::string, int64_t>& out, const char* usage);
//! The options --quant GRID (weights: none, int8, int4, q8_0, q4_0) and --quant-acts GRID (none,
//! int8, q8_0) over `base` (a run's own quant section): how a command runs the model, e.g. a
//! float model as post-training quantization rounds it. nullopt with `error` set for a bad grid.
std::optional<QuantConfig> quant_options(const Args& a, QuantConfig base, std::string& error);
//! The experiment in the file the option `name` gives (--as: measure a run on another
//! experiment's task and prompts), nullopt without the option; throws std::invalid_argument
//! naming the file and every bad field when it is not a valid experiment.
std::optional<Experiment> experiment_option(const Args& a, const std::string& name);
//! Whether any of the options quant_options reads is given.
bool has_quant_options(const Args& a);
//! Usage lines of the two options, for the commands' help.
extern const char* kQuantUsage;

//! Runs a command's body: std::invalid_argument (bad input found late, e.g. an empty prompt)
//! is "error: ..." and exit 2, any other exception "error: ..." and exit 1.
int report_failures(const std::function<int()>& body);

}  // namespace r1wb::gpu
