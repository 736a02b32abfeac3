// A runner started as a local child process: stdout is a non-blocking pipe carrying the
// event stream, stdin a pipe carrying requests, stderr goes to a file in the run directory.
#pragma once
#include "core/jobs/job.h"

#include <sys/types.h>

#include <string>
#include <vector>

namespace r1wb {

class LocalJob : public Job {
 public:
  //! Starts argv[0] with argv; throws std::runtime_error if it cannot be started.
  LocalJob(const std::vector<std::string>& argv, const std::string& stderr_path);
  ~LocalJob() override;

  int stream_fd() const override { return fd_; }
  std::string read_available() override;
  bool stream_closed() const override { return eof_; }
  bool send(const wire::Request& request) override;
  void request_stop() override;
  void kill() override;
  std::optional<int> poll_exit() override;
  std::string stderr_path() const override { return stderr_path_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  int request_fd_ = -1;  // the runner's stdin
  bool eof_ = false;
  std::optional<int> exit_;
  std::string stderr_path_;
};

}  // namespace r1wb
