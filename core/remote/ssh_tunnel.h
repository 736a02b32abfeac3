// One ProxyJump hop: a direct-tcpip channel from the jump host's session to the next host, and a
// socketpair whose other end the next session does its handshake over (libssh2 needs a socket;
// it cannot run a session inside another's channel). A thread moves bytes both ways until either
// side closes; it is the only user of the jump session once the channel is open.
#pragma once
#include "core/remote/ssh_session.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>

namespace r1wb::remote {

class SshTunnel {
 public:
  //! Opens the channel from `hop` to host:port; throws naming both when the hop cannot reach it.
  SshTunnel(std::unique_ptr<SshSession> hop, const std::string& host, int port);
  ~SshTunnel();
  SshTunnel(const SshTunnel&) = delete;
  SshTunnel& operator=(const SshTunnel&) = delete;
  //! The end the next session uses as its socket (owned by the caller once taken).
  int take_local_fd();

 private:
  void pump();
  std::unique_ptr<SshSession> hop_;
  void* channel_ = nullptr;  // LIBSSH2_CHANNEL
  int local_fd_ = -1, pump_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace r1wb::remote
