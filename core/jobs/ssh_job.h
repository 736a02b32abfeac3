// A runner on a host over SSH, detached there so it outlives the connection (detached_runner.h):
// the job sends the data the experiment reads from this machine (run_inputs.h) and config.json,
// runs `r1wb-run start` on the node, and reads the stream from an
// exec channel running `r1wb-run follow --after SEQ` (run_follow.h), whose stdin carries the
// requests. When the link breaks (reset, timeout, the follow channel killed) the job reports
// unreachable, keeps the runner going, reconnects with backoff (0.25 s doubling to 15 s; the
// passphrases given at the first connect are reused, never asked in a loop) and follows again
// after the last record it passed on. It passes on whole records only, so the stream the run
// controller reads has no gap, no duplicate and no torn record across any number of breaks.
// Destroying the job detaches: the runner goes on, and a later job attaches (JobSpec::attach_after).
// On a Slurm login node the same job submits a batch job instead (slurm_submit.h); the follow's
// place lines (pending, requeued, cancelled) come out through place().
#pragma once
#include "core/jobs/job.h"
#include "core/jobs/job_factory.h"
#include "core/remote/ssh_pool.h"
#include "core/remote/ssh_session.h"
#include "core/slurm/slurm_options.h"
#include "core/wire/record_splitter.h"

#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <string>

namespace r1wb {

struct SshTarget {
  remote::SshEndpoint endpoint;
  std::string runner = "r1wb-run";  //!< the node's runner: a path, or a name on its PATH
  std::string remote_dir;           //!< the run directory on the node (relative: to the login's home)
  //! Set: the host is a Slurm login node; the runner is submitted with sbatch (slurm_submit.h)
  //! instead of started detached, and the follow asks the scheduler whether it runs.
  std::optional<slurm::SlurmOptions> slurm;
};

class SshJob : public Job {
 public:
  //! Connects on a worker (the caller never waits on the network); unless spec.attach_after is
  //! set, it then uploads spec.config_path and starts the runner. A start that fails (host key,
  //! authentication, upload, the node's runner) ends the job with exit code 1, the reason in
  //! spec.stderr_path; a job attaching to a running run whose host does not answer is unreachable
  //! and reconnects.
  //! With a pool, the job streams over the connection the pool shares among its host's runs.
  SshJob(SshTarget target, const JobSpec& spec, remote::Prompts prompts = {},
         std::shared_ptr<remote::SshPool> pool = nullptr);
  ~SshJob() override;

  int stream_fd() const override { return epoll_fd_; }  //!< stable across reconnects
  std::string read_available() override;
  bool stream_closed() const override { return closed_; }
  bool send(const wire::Request& request) override;
  void request_stop() override { send({wire::RequestKind::Stop, 0}); }
  void kill() override { send({wire::RequestKind::Kill, 0}); }
  std::optional<int> poll_exit() override { return closed_ ? exit_ : std::nullopt; }
  std::string stderr_path() const override { return stderr_path_; }
  //! Until the first connection answered or failed the job counts as reachable: starting is not
  //! a broken link.
  bool reachable() const override { return session_ != nullptr || (!connected_once_ && why_unreachable_.empty()); }
  std::string link_note() const override;
  void reconnect_now() override;
  std::optional<PlaceLine> place() const override { return place_; }
  std::string scheduler_job() const override { return scheduler_job_; }

  //! Cuts the connection as a network failure would (tests of reconnection).
  void sever();
  //! Times the stream was picked up again after a break.
  int reconnects() const { return reconnects_; }
  //! The last seq passed on.
  uint64_t last_seq() const { return last_seq_; }

 private:
  void attach(std::shared_ptr<remote::SshSession> session);
  void open_follow();
  void lost(const std::string& why);
  void try_reconnect();
  //! Connects on the worker (connecting_), uploading and starting the runner while starting_.
  void connect_async();
  void finish(int code);
  void read_place_lines();
  SshTarget target_;
  remote::Prompts prompts_;  // answers memoised: a reconnect asks nothing again
  bool asked_once_ = false;  // a connection that could ask a one-time code was made (see connect_async)
  bool ask_next_ = false;    // the user asked to reconnect: the next connection may ask again
  std::string config_;       // the experiment to upload while starting_
  std::string stderr_path_;
  int epoll_fd_ = -1;
  std::shared_ptr<remote::SshPool> pool_;
  std::shared_ptr<remote::SshSession> session_;
  std::unique_ptr<remote::SshChannel> follow_;
  //! The connected session, and the Slurm job it submitted while starting (if it did).
  struct Connected {
    std::shared_ptr<remote::SshSession> session;
    std::string job;
  };
  std::future<Connected> connecting_;
  std::string scheduler_job_;
  wire::RecordSplitter splitter_;
  std::string out_, pending_requests_;
  uint64_t last_seq_ = 0;
  bool closed_ = false;
  bool starting_ = false;        // the first connection also uploads and starts the runner
  bool connected_once_ = false;  // reconnects count from the second
  std::optional<int> exit_;
  std::optional<PlaceLine> place_;
  size_t follow_err_seen_ = 0;  // bytes of the follow's stderr read for place lines
  int reconnects_ = 0;
  std::chrono::milliseconds backoff_{250};
  std::chrono::steady_clock::time_point next_try_, unreachable_since_;
  std::string why_unreachable_;
};

//! Jobs for runs on a host: `hosts` names each stored host to its target (endpoint, runner);
//! spec.target_host picks one, spec.remote_dir is where the run lives there. The factory's jobs
//! share one connection per host (ssh_pool.h): `pool`'s, or one of the factory's own.
JobFactory ssh_job_factory(std::function<SshTarget(const std::string& host)> hosts, remote::Prompts prompts = {},
                           std::shared_ptr<remote::SshPool> pool = nullptr);

}  // namespace r1wb
