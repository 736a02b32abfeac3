#include "core/jobs/ssh_job.h"

#include "core/file_bytes.h"
#include "core/jobs/run_follow.h"
#include "core/jobs/run_inputs.h"
#include "core/slurm/slurm_submit.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>

namespace r1wb {
namespace fs = std::filesystem;
using remote::shell_quote;
using Clock = std::chrono::steady_clock;

namespace {

//! Asks the user once per key and replays the answer from then on, so a reconnect (on the
//! worker) never asks again and never asks in a loop. A host's keyboard-interactive questions
//! (a one-time code) pass through: connect_async puts them to the user on the job's first
//! connection only.
remote::Prompts memoised(const remote::Prompts& user) {
  auto answers = std::make_shared<std::map<std::string, std::optional<std::string>>>();
  auto mutex = std::make_shared<std::mutex>();
  remote::Prompts p = user;
  p.passphrase = [answers, mutex, user](const std::string& key) -> std::optional<std::string> {
    std::lock_guard lock(*mutex);
    if (const auto it = answers->find(key); it != answers->end()) return it->second;
    return (*answers)[key] = user.passphrase ? user.passphrase(key) : std::nullopt;
  };
  return p;
}

}  // namespace

SshJob::SshJob(SshTarget target, const JobSpec& spec, remote::Prompts prompts, std::shared_ptr<remote::SshPool> pool)
    : target_(std::move(target)), stderr_path_(spec.stderr_path), pool_(std::move(pool)) {
  if (target_.remote_dir.empty()) throw std::runtime_error("the run has no directory on host " + spec.target_host);
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  prompts_ = memoised(prompts);
  last_seq_ = spec.attach_after.value_or(spec.stored_seq);
  out_ = wire::encode_stream_header();  // the stream the controller reads is one stream throughout
  // Connecting, uploading and starting happen on a worker, so the caller (the app's GUI thread)
  // never waits on the network; read_available() picks the session up when it is there.
  starting_ = !spec.attach_after;
  if (starting_) config_ = read_file_bytes(spec.config_path);  // a local problem is the caller's, at once
  connect_async();
}

void SshJob::connect_async() {
  // A one-time code is asked on the first connection only: a reconnect cannot replay one, and
  // asking at every backoff would be the loop that burns them. Without the question the host
  // refuses, and the run shows unreachable saying why (attach again to enter a new code).
  auto prompts = prompts_;
  const bool withheld = asked_once_ && !ask_next_ && prompts.keyboard_interactive;
  if (withheld) prompts.keyboard_interactive = nullptr;
  asked_once_ = true;
  ask_next_ = false;
  connecting_ = std::async(std::launch::async, [e = target_.endpoint, p = std::move(prompts), starting = starting_,
                                                config = config_, runner = target_.runner,
                                                remote_dir = target_.remote_dir, slurm = target_.slurm, withheld,
                                                pool = pool_] {
    Connected c;
    try {
      c.session = pool ? pool->session(e, p) : std::make_shared<remote::SshSession>(e, p);
    } catch (const std::exception& err) {
      const std::string what = err.what();
      if (!withheld || what.find("keyboard-interactive") == std::string::npos) throw;
      throw std::runtime_error(what + "; a reconnect asks no one-time code: reconnect the run (Run menu, r1wb-ctl "
                                      "attach) to enter one");
    }
    auto& session = c.session;
    if (!starting) return c;
    // The data the experiment reads from this machine first (once per content), then the
    // experiment naming the copies.
    const std::string sent = upload_run_inputs(*session, remote_dir, config);
    if (slurm) {
      c.job = slurm::submit_run(*session, *slurm, runner, remote_dir, sent);
      return c;
    }
    const std::string where = e.user + "@" + e.host, dir = shell_quote(remote_dir);
    // Upload the experiment (to a partial name, renamed when complete), then start it detached.
    const auto up = session->exec("mkdir -p -- " + dir + " && cat > " + dir + "/config.json.partial && mv -f -- " +
                                      dir + "/config.json.partial " + dir + "/config.json",
                                  sent);
    if (up.exit_status != 0)
      throw std::runtime_error("cannot upload the experiment to " + where + ":" + remote_dir + ": " + up.err);
    const auto started = session->exec(shell_quote(runner) + " start " + dir);
    if (started.exit_status != 0)
      throw std::runtime_error("cannot start the runner on " + where + " (" + runner + " start " + remote_dir +
                               "): " + (started.err.empty() ? started.out : started.err));
    return c;
  });
}

SshJob::~SshJob() {
  follow_.reset();  // detach: the runner goes on
  session_.reset();
  if (connecting_.valid()) connecting_.wait();
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

void SshJob::attach(std::shared_ptr<remote::SshSession> session) {
  session_ = std::move(session);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = session_->socket_fd();
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, session_->socket_fd(), &ev);
}

void SshJob::open_follow() {
  splitter_ = wire::RecordSplitter();
  follow_err_seen_ = 0;
  follow_ = session_->open_channel("exec " + shell_quote(target_.runner) + " follow " +
                                   shell_quote(target_.remote_dir) + " --after " + std::to_string(last_seq_));
}

void SshJob::lost(const std::string& why) {
  follow_.reset();
  if (session_) {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, session_->socket_fd(), nullptr);
    session_.reset();
  }
  if (why_unreachable_.empty()) unreachable_since_ = Clock::now();
  why_unreachable_ = why;
  next_try_ = Clock::now() + (ask_next_ ? std::chrono::milliseconds(0) : backoff_);
  backoff_ = std::min<std::chrono::milliseconds>(backoff_ * 2, std::chrono::seconds(15));
}

void SshJob::try_reconnect() {
  if (!connecting_.valid()) {
    if (Clock::now() < next_try_) return;
    connect_async();
    return;
  }
  if (connecting_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
  try {
    auto connected = connecting_.get();
    if (!connected.job.empty()) scheduler_job_ = connected.job;
    attach(std::move(connected.session));
    open_follow();
    if (connected_once_) ++reconnects_;
    connected_once_ = true;
    starting_ = false;
    config_.clear();
    backoff_ = std::chrono::milliseconds(250);
    why_unreachable_.clear();
  } catch (const std::exception& e) {
    if (starting_) {  // the run never started: nothing to wait for
      std::ofstream(stderr_path_, std::ios::app) << e.what() << "\n";
      starting_ = false;
      closed_ = true;
      exit_ = 1;
      return;
    }
    lost(e.what());
  }
}

std::string SshJob::read_available() {
  if (closed_) return std::exchange(out_, std::string());
  if (!session_) try_reconnect();
  if (session_ && follow_) {
    try {
      session_->keepalive();
      if (!pending_requests_.empty()) follow_->write(std::exchange(pending_requests_, std::string()));
      const std::string bytes = follow_->read_available();
      splitter_.feed(bytes.data(), bytes.size());
      out_ += splitter_.take(last_seq_);
      read_place_lines();
      if (splitter_.status() == wire::DecodeStatus::VersionMismatch) {
        std::ofstream(stderr_path_, std::ios::app) << "the runner on " << target_.endpoint.host
                                                   << " speaks another event protocol: " << splitter_.error() << "\n";
        finish(1);
      } else if (splitter_.status() == wire::DecodeStatus::Corrupt) {
        lost("the stream from the node is damaged (" + splitter_.error() + ")");
      } else if (follow_->eof()) {
        if (const auto code = follow_->exit_status()) {
          if (*code < 0 || !follow_->exit_signal().empty()) {  // the follow was killed, not the runner
            open_follow();
            ++reconnects_;
          } else {
            finish(*code);
          }
        }
      }
    } catch (const remote::SshBroken& e) {
      lost(e.what());
    }
  }
  return std::exchange(out_, std::string());
}

bool SshJob::send(const wire::Request& request) {
  if (closed_) return false;
  if (request.kind == wire::RequestKind::ResendAfter) {
    // Follow again from there: a fresh channel starts exactly after the seq asked for, where
    // a resend on the open one would interleave with records already on their way.
    last_seq_ = std::min(last_seq_, request.argument);
    if (session_) {
      try {
        open_follow();
      } catch (const remote::SshBroken& e) {
        lost(e.what());
      }
    }
    return true;
  }
  const std::string bytes = wire::encode_request(request);
  if (follow_)
    follow_->write(bytes);
  else
    pending_requests_ += bytes;  // sent once the link is back
  return true;
}

void SshJob::read_place_lines() {
  const std::string& err = follow_->stderr_text();
  size_t end;
  while ((end = err.find('\n', follow_err_seen_)) != std::string::npos) {
    if (auto p = parse_place_line(err.substr(follow_err_seen_, end - follow_err_seen_))) place_ = std::move(p);
    follow_err_seen_ = end + 1;
  }
}

void SshJob::finish(int code) {
  closed_ = true;
  exit_ = code;
  // The node's runner.log tail, where the controller looks for the runner's last words.
  std::ofstream log(stderr_path_, std::ios::app);
  if (follow_) read_place_lines();
  if (follow_ && !follow_->stderr_text().empty()) log << follow_->stderr_text();
  try {
    const std::string dir = shell_quote(target_.remote_dir);
    const auto tail = session_->exec(target_.slurm ? "tail -n 40 -- " + dir + "/slurm-*.out" : "tail -n 40 -- " + dir + "/runner.log");
    if (tail.exit_status == 0) log << tail.out;
  } catch (const std::exception&) {
  }
  follow_.reset();
}

void SshJob::reconnect_now() {
  if (session_ || closed_) return;
  ask_next_ = true;
  backoff_ = std::chrono::milliseconds(250);
  next_try_ = Clock::now();
}

void SshJob::sever() {
  if (session_) session_->sever();
}

std::string SshJob::link_note() const {
  if (session_) return {};
  const auto down = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - unreachable_since_).count();
  const auto next = std::chrono::duration_cast<std::chrono::milliseconds>(next_try_ - Clock::now()).count();
  return target_.endpoint.host + " unreachable for " + std::to_string(down) + " s (" + why_unreachable_ + ")" +
         (connecting_.valid() ? "; reconnecting" : "; next try in " + std::to_string(std::max<long>(0, next)) + " ms");
}

JobFactory ssh_job_factory(std::function<SshTarget(const std::string& host)> hosts, remote::Prompts prompts,
                           std::shared_ptr<remote::SshPool> pool) {
  if (!pool) pool = std::make_shared<remote::SshPool>();  // the factory's runs share a connection per host
  return [hosts = std::move(hosts), prompts, pool](const JobSpec& spec) -> std::unique_ptr<Job> {
    SshTarget t = hosts(spec.target_host);
    t.remote_dir = spec.remote_dir;
    return std::make_unique<SshJob>(std::move(t), spec, prompts, pool);
  };
}

}  // namespace r1wb
