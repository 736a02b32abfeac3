// r1wb-ctl: hosts, remote runs and clusters from a terminal (ctl/), sharing the app's store.
#include "ctl/fetch_command.h"
#include "ctl/hosts_command.h"
#include "ctl/queue_command.h"
#include "ctl/runs_command.h"

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  using Command = int (*)(const std::vector<std::string>&);
  const std::pair<const char*, Command> commands[] = {{"hosts", r1wb::ctl::cmd_hosts},   {"run", r1wb::ctl::cmd_run},
                                                      {"attach", r1wb::ctl::cmd_attach}, {"stop", r1wb::ctl::cmd_stop},
                                                      {"kill", r1wb::ctl::cmd_kill},     {"fetch", r1wb::ctl::cmd_fetch},
                                                      {"resume", r1wb::ctl::cmd_resume}, {"delete", r1wb::ctl::cmd_delete},
                                                      {"queue", r1wb::ctl::cmd_queue}};
  for (const auto& [name, command] : commands)
    if (!args.empty() && args[0] == name) return command({args.begin() + 1, args.end()});
  std::cerr << "usage: r1wb-ctl hosts add|list|probe|trust|remove ...   hosts on which runs go\n"
               "       r1wb-ctl run CONFIG... --host NAME | attach RUN | stop RUN | kill RUN | resume RUN\n"
               "       r1wb-ctl queue [--host NAME]                 your jobs on the Slurm hosts\n"
               "       r1wb-ctl fetch RUN [--step N] | delete RUN [--yes]\n"
               "`r1wb-ctl COMMAND --help` describes each.\n";
  return args.size() == 1 && (args[0] == "--help" || args[0] == "-h") ? 0 : 2;
}
