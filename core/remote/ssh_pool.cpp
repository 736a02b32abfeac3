#include "core/remote/ssh_pool.h"

namespace r1wb::remote {
namespace {

//! What makes two endpoints the same connection: where it goes, as whom, through which hops.
std::string key_of(const SshEndpoint& e) {
  std::string k = e.user + "@" + e.host + ":" + std::to_string(e.port);
  for (const auto& j : e.jumps) k += " via " + key_of(j);
  return k;
}

//! Whether an idle connection still carries a command (the server may have dropped it).
bool answers(SshSession& s) {
  try {
    return s.exec(":").exit_status == 0;
  } catch (const std::exception&) {
    return false;
  }
}

constexpr std::chrono::seconds kCheckIdle{30};  // idle longer than this: checked before it is handed out

}  // namespace

std::shared_ptr<SshSession> SshPool::session(const SshEndpoint& endpoint, const Prompts& prompts) {
  std::shared_ptr<Host> host;
  {
    std::lock_guard lock(mutex_);
    auto& h = hosts_[key_of(endpoint)];
    if (!h) h = std::make_shared<Host>();
    host = h;
  }
  std::lock_guard connecting(host->connecting);
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    auto& list = host->sessions;
    for (auto it = list.begin(); it != list.end();) {
      const long users = it->session.use_count() - 1;  // the pool's own reference is not a user
      if (it->session->broken() || (users == 0 && now - it->last_handed > kPersist) ||
          (users == 0 && now - it->last_handed > kCheckIdle && !answers(*it->session))) {
        it = list.erase(it);
        continue;
      }
      if (users < kRunsPerConnection) {
        it->last_handed = now;
        return it->session;
      }
      ++it;
    }
  }
  auto made = std::make_shared<SshSession>(endpoint, prompts);  // outside mutex_: it may ask the user
  std::lock_guard lock(mutex_);
  host->sessions.push_back({made, now});
  ++made_;
  return made;
}

void SshPool::close_all() {
  std::map<std::string, std::shared_ptr<Host>> going;
  {
    std::lock_guard lock(mutex_);
    going.swap(hosts_);
  }
  for (auto& [key, host] : going) {
    std::lock_guard connecting(host->connecting);
    host->sessions.clear();
  }
}

int SshPool::connections_made() const {
  std::lock_guard lock(mutex_);
  return made_;
}

}  // namespace r1wb::remote
