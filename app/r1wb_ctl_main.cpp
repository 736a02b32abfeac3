// r1wb-ctl: hosts, remote runs and clusters from a terminal (ctl/), sharing the app's store.
#include "ctl/hosts_command.h"

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "hosts") return r1wb::ctl::cmd_hosts({args.begin() + 1, args.end()});
  std::cerr << "usage: r1wb-ctl hosts add|list|probe|trust|remove ...  (r1wb-ctl hosts --help)\n";
  return args.size() == 1 && (args[0] == "--help" || args[0] == "-h") ? 0 : 2;
}
