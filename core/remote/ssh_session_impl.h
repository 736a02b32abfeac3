// The libssh2 state behind SshSession, for the files that implement its parts (ssh_session.cpp,
// sftp_fetch.cpp); nothing outside core/remote includes it.
#pragma once
#include "core/remote/ssh_session.h"

#include <libssh2.h>
#include <poll.h>
#include <unistd.h>

#include <memory>
#include <string>

namespace r1wb::remote {

class SshTunnel;

struct SshSession::Impl {
  int fd = -1;
  LIBSSH2_SESSION* session = nullptr;
  //! The last ProxyJump hop this session runs through (it goes after the session: members are
  //! destroyed after the destructor's body).
  std::shared_ptr<SshTunnel> tunnel;

  ~Impl() {
    if (session) {
      libssh2_session_disconnect(session, "bye");
      libssh2_session_free(session);
    }
    if (fd >= 0) ::close(fd);
  }
  std::string last_error() const {
    char* msg = nullptr;
    libssh2_session_last_error(session, &msg, nullptr, 0);
    return msg ? msg : "unknown error";
  }
  //! Waits until the socket is ready in the direction libssh2 is blocked on.
  void wait() const {
    pollfd p{fd, 0, 0};
    const int dir = libssh2_session_block_directions(session);
    if (dir & LIBSSH2_SESSION_BLOCK_INBOUND) p.events |= POLLIN;
    if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND) p.events |= POLLOUT;
    ::poll(&p, 1, 1000);
  }
};

}  // namespace r1wb::remote
