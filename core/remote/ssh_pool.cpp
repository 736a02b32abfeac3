#include "core/remote/ssh_pool.h"

namespace r1wb::remote {
namespace {

//! What makes two endpoints the same connection: where it goes, as whom, through which hops.
std::string key_of(const SshEndpoint& e) {
  std::string k = e.user + "@" + e.host + ":" + std::to_string(e.port);
  for (const auto& j : e.jumps) k += " via " + key_of(j);
  return k;
}

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
  {
    std::lock_guard lock(mutex_);
    auto& list = host->sessions;
    for (auto it = list.begin(); it != list.end();) {
      auto s = it->lock();
      if (!s || s->broken()) {
        it = list.erase(it);
        continue;
      }
      // Each run holds one reference while connected; this call's is not counted.
      if (s.use_count() - 1 < kRunsPerConnection) return s;
      ++it;
    }
  }
  auto made = std::make_shared<SshSession>(endpoint, prompts);  // outside mutex_: it may ask the user
  std::lock_guard lock(mutex_);
  host->sessions.push_back(made);
  ++made_;
  return made;
}

int SshPool::connections_made() const {
  std::lock_guard lock(mutex_);
  return made_;
}

}  // namespace r1wb::remote
