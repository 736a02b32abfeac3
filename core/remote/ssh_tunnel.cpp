#include "core/remote/ssh_tunnel.h"

#include "core/remote/ssh_session_impl.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>
#include <stdexcept>
#include <utility>

namespace r1wb::remote {

SshTunnel::SshTunnel(std::unique_ptr<SshSession> hop, const std::string& host, int port) : hop_(std::move(hop)) {
  LIBSSH2_SESSION* s = hop_->impl().session;
  libssh2_session_set_blocking(s, 1);
  auto* ch = libssh2_channel_direct_tcpip(s, host.c_str(), port);
  if (!ch)
    throw std::runtime_error("ssh: the jump host " + hop_->endpoint().host + " cannot reach " + host + ":" +
                             std::to_string(port) + ": " + hop_->impl().last_error());
  channel_ = ch;
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    libssh2_channel_free(ch);
    throw std::runtime_error("socketpair failed");
  }
  local_fd_ = fds[0], pump_fd_ = fds[1];
  ::fcntl(pump_fd_, F_SETFL, ::fcntl(pump_fd_, F_GETFL) | O_NONBLOCK);
  thread_ = std::thread([this] { pump(); });
}

SshTunnel::~SshTunnel() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (pump_fd_ >= 0) ::close(pump_fd_);
  if (local_fd_ >= 0) ::close(local_fd_);
  if (channel_) libssh2_channel_free(static_cast<LIBSSH2_CHANNEL*>(channel_));
}

int SshTunnel::take_local_fd() { return std::exchange(local_fd_, -1); }

void SshTunnel::pump() {
  auto* ch = static_cast<LIBSSH2_CHANNEL*>(channel_);
  LIBSSH2_SESSION* s = hop_->impl().session;
  libssh2_session_set_blocking(s, 0);
  std::string to_local, to_remote;
  char buf[65536];
  bool local_open = true;
  while (!stop_) {
    bool progress = false;
    // Hop -> next session.
    for (;;) {
      const ssize_t n = libssh2_channel_read(ch, buf, sizeof buf);
      if (n > 0) to_local.append(buf, size_t(n)), progress = true;
      if (n <= 0) {
        if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) stop_ = true;  // the hop's connection failed
        break;
      }
    }
    while (!to_local.empty()) {
      const ssize_t n = ::send(pump_fd_, to_local.data(), to_local.size(), MSG_NOSIGNAL);
      if (n <= 0) break;
      to_local.erase(0, size_t(n)), progress = true;
    }
    // Next session -> hop.
    if (local_open && to_remote.size() < (1 << 20)) {
      const ssize_t n = ::recv(pump_fd_, buf, sizeof buf, 0);
      if (n > 0) to_remote.append(buf, size_t(n)), progress = true;
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) local_open = false;
    }
    while (!to_remote.empty()) {
      const ssize_t n = libssh2_channel_write(ch, to_remote.data(), to_remote.size());
      if (n > 0) {
        to_remote.erase(0, size_t(n)), progress = true;
        continue;
      }
      if (n != LIBSSH2_ERROR_EAGAIN) stop_ = true;
      break;
    }
    if (libssh2_channel_eof(ch) && to_local.empty()) {
      ::shutdown(pump_fd_, SHUT_WR);  // the next host closed: the next session sees end of file
      if (!local_open) break;
    }
    if (!local_open && to_remote.empty()) break;
    if (!progress) {
      pollfd p[2] = {{hop_->socket_fd(), POLLIN, 0}, {pump_fd_, short(local_open ? POLLIN : 0), 0}};
      ::poll(p, 2, 20);
    }
  }
  ::shutdown(pump_fd_, SHUT_RDWR);
}

}  // namespace r1wb::remote
