// `r1wb-ctl run|attach|stop|kill|resume|delete`: remote runs from a terminal, through the same run controller
// and job factory as the app (core/jobs), into the same store. `run` and `attach` stream the run
// into the store and print its progress; Ctrl-C detaches (the runner goes on on its host; attach
// picks it up again, backfilling what it missed). Exit codes are the runner's (0 done, 1 failed,
// 3 stopped, 4 done with data lost), 2 for bad usage, 130 when detached.
#pragma once
#include <string>
#include <vector>

namespace r1wb::ctl {

int cmd_run(const std::vector<std::string>& args);
int cmd_attach(const std::vector<std::string>& args);
int cmd_stop(const std::vector<std::string>& args);
int cmd_kill(const std::vector<std::string>& args);
int cmd_resume(const std::vector<std::string>& args);
int cmd_delete(const std::vector<std::string>& args);

}  // namespace r1wb::ctl
