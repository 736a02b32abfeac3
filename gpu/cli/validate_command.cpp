// `r1wb-run validate CONFIG`: the schema's verdict on an experiment file.
#include "core/config/config.h"
#include "gpu/cli/cli_args.h"
#include "gpu/cli/commands.h"

#include <iostream>

namespace r1wb::gpu {
namespace {

const char* kValidateUsage =
    "usage: r1wb-run validate CONFIG\n"
    "\n"
    "Validates CONFIG against the schema. Exit 0 when valid (the resolved experiment is\n"
    "printed with --print), 2 with one 'error: <path>: <message>' line per problem.\n";

}  // namespace

int cmd_validate(const std::vector<std::string>& args) {
  if (wants_help(args)) {
    std::cout << kValidateUsage;
    return kExitOk;
  }
  std::string err;
  auto a = parse_args(args, {}, {"print"}, err);
  if (!a) return usage_error(err, kValidateUsage);
  if (a->positional.size() != 1) return usage_error("validate takes one CONFIG file", kValidateUsage);
  auto r = load_experiment_file(a->positional[0]);
  if (!r.ok()) {
    print_errors(r);
    return kExitUsage;
  }
  if (a->flags.count("print"))
    std::cout << r.resolved.dump(2) << "\n";
  else
    std::cerr << a->positional[0] << ": valid\n";
  return kExitOk;
}

}  // namespace r1wb::gpu
