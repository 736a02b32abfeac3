#include "core/slurm/slurm_queue.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace r1wb::slurm {

ClusterQueue list_queue(remote::SshSession& session) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = session.exec("id -un && date +%s && squeue --json");
  ClusterQueue q;
  if (r.exit_status != 0)
    throw std::runtime_error("squeue on " + session.endpoint().host + " failed: " + (r.err.empty() ? r.out : r.err));
  const size_t a = r.out.find('\n'), b = a == std::string::npos ? a : r.out.find('\n', a + 1);
  if (b == std::string::npos) throw std::runtime_error("squeue on " + session.endpoint().host + " printed nothing");
  q.user = r.out.substr(0, a);
  const int64_t now = std::atoll(r.out.substr(a + 1, b - a - 1).c_str());
  for (auto& j : parse_squeue_json(r.out.substr(b + 1), now))
    if (j.user == q.user) q.jobs.push_back(std::move(j));
  std::stable_sort(q.jobs.begin(), q.jobs.end(), [](const JobInfo& x, const JobInfo& y) {
    return std::atoll(x.id.c_str()) > std::atoll(y.id.c_str());
  });
  q.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return q;
}

}  // namespace r1wb::slurm
