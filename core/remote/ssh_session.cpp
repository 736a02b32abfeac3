#include "core/remote/ssh_session.h"

#include "core/file_bytes.h"
#include "core/remote/ssh_session_impl.h"
#include "core/remote/ssh_tunnel.h"

#include <libssh2.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace r1wb::remote {
namespace {

void init_once() {
  static std::once_flag once;
  std::call_once(once, [] { libssh2_init(0); });
}

std::string key_type_name(int type) {
  switch (type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA: return "ssh-rsa";
    case LIBSSH2_HOSTKEY_TYPE_DSS: return "ssh-dss";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return "ecdsa-sha2-nistp256";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return "ecdsa-sha2-nistp384";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return "ecdsa-sha2-nistp521";
    case LIBSSH2_HOSTKEY_TYPE_ED25519: return "ssh-ed25519";
    default: return "unknown";
  }
}

int connect_tcp(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0)
    throw std::runtime_error("ssh " + host + ":" + std::to_string(port) + ": cannot resolve: " + gai_strerror(rc));
  std::string why = "no address";
  int fd = -1;
  for (auto* a = found; a && fd < 0; a = a->ai_next) {
    // Non-blocking, so an address that never answers costs 10 s, not the kernel's 2 minutes.
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 10000) == 1) {
        int error = 0;
        socklen_t len = sizeof error;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
        rc = error == 0 ? 0 : (errno = error, -1);
      } else {
        errno = ETIMEDOUT;
      }
    }
    if (rc != 0) {
      why = std::strerror(errno);
      ::close(fd);
      fd = -1;
      continue;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  }
  ::freeaddrinfo(found);
  if (fd < 0) throw std::runtime_error("ssh " + host + ":" + std::to_string(port) + ": cannot connect: " + why);
  return fd;
}

//! What the keyboard-interactive callback (a C function) reaches through the session's
//! abstract pointer.
struct KbdExchange {
  const Prompts* prompts = nullptr;
  int rounds = 0;
  bool unanswered = false;  //!< the user gave no answer (or nothing can ask): the host refuses
};

void kbd_callback(const char* name, int name_len, const char* instruction, int instruction_len, int num_prompts,
                  const LIBSSH2_USERAUTH_KBDINT_PROMPT* prompts, LIBSSH2_USERAUTH_KBDINT_RESPONSE* responses,
                  void** abstract) {
  auto* x = static_cast<KbdExchange*>(*abstract);
  if (num_prompts <= 0) return;  // an instruction-only round answers nothing
  ++x->rounds;
  std::vector<KbdPrompt> asked;
  for (int i = 0; i < num_prompts; ++i)
    asked.push_back({std::string(reinterpret_cast<const char*>(prompts[i].text), prompts[i].length),
                     prompts[i].echo != 0});
  std::optional<std::vector<std::string>> answers;
  if (!x->unanswered)
    answers = x->prompts->keyboard_interactive(std::string(name ? name : "", size_t(std::max(name_len, 0))),
                                               std::string(instruction ? instruction : "",
                                                           size_t(std::max(instruction_len, 0))),
                                               asked);
  if (!answers || answers->size() != asked.size()) x->unanswered = true;
  for (int i = 0; i < num_prompts; ++i) {
    const std::string a = x->unanswered ? std::string() : (*answers)[size_t(i)];
    responses[i].text = static_cast<char*>(std::malloc(a.size() + 1));  // libssh2 frees it
    std::memcpy(responses[i].text, a.c_str(), a.size() + 1);
    responses[i].length = unsigned(a.size());
  }
}

}  // namespace

SshSession::SshSession(const SshEndpoint& endpoint, const Prompts& prompts)
    : endpoint_(endpoint), impl_(std::make_unique<Impl>()) {
  init_once();
  const std::string where = endpoint.user + "@" + endpoint.host + ":" + std::to_string(endpoint.port);
  if (endpoint.jumps.empty()) {
    impl_->fd = connect_tcp(endpoint.host, endpoint.port);
  } else {
    // Through the last hop, itself reached through the hops before it.
    SshEndpoint hop = endpoint.jumps.back();
    hop.jumps.assign(endpoint.jumps.begin(), endpoint.jumps.end() - 1);
    impl_->tunnel = std::make_shared<SshTunnel>(std::make_unique<SshSession>(hop, prompts), endpoint.host, endpoint.port);
    impl_->fd = impl_->tunnel->take_local_fd();
  }
  // A dead link (no reset, no reply) ends the socket after about 25 s of silence, or 30 s of
  // unacknowledged data, instead of hanging a read forever.
  const int on = 1, idle = 10, interval = 5, count = 3;
  const unsigned user_timeout_ms = 30000;
  ::setsockopt(impl_->fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  ::setsockopt(impl_->fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(impl_->fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(impl_->fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
  ::setsockopt(impl_->fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout_ms, sizeof user_timeout_ms);
  impl_->session = libssh2_session_init();
  if (!impl_->session) throw std::runtime_error("ssh " + where + ": cannot start a session");
  libssh2_session_set_blocking(impl_->session, 1);
  libssh2_session_set_timeout(impl_->session, 20000);  // no blocking call waits longer
  if (libssh2_session_handshake(impl_->session, impl_->fd) != 0)
    throw std::runtime_error("ssh " + where + ": handshake failed: " + impl_->last_error());
  // The host key before anything of ours is sent.
  size_t len = 0;
  int type = 0;
  const char* key = libssh2_session_hostkey(impl_->session, &len, &type);
  if (!key) throw std::runtime_error("ssh " + where + ": the host offered no key");
  const std::string blob(key, len), type_name = key_type_name(type);
  auto check = check_host_key(read_file_or_empty(endpoint.known_hosts), endpoint.known_hosts, endpoint.host, endpoint.port,
                              type_name, blob);
  if (check.verdict != HostKeyVerdict::Known) throw HostKeyRefused(std::move(check), type_name, blob);
  // Authentication: the agent's keys, then each identity file (its passphrase asked once).
  std::vector<std::string> tried;
  const char* user = endpoint.user.c_str();
  const auto user_len = unsigned(endpoint.user.size());
  if (endpoint.use_agent && std::getenv("SSH_AUTH_SOCK")) {
    if (LIBSSH2_AGENT* agent = libssh2_agent_init(impl_->session)) {
      if (libssh2_agent_connect(agent) == 0 && libssh2_agent_list_identities(agent) == 0) {
        libssh2_agent_publickey *id = nullptr, *prev = nullptr;
        while (libssh2_agent_get_identity(agent, &id, prev) == 0) {
          if (libssh2_agent_userauth(agent, user, id) == 0) break;
          tried.push_back(std::string("agent key ") + (id->comment ? id->comment : ""));
          prev = id;
        }
      }
      libssh2_agent_disconnect(agent);
      libssh2_agent_free(agent);
    }
  }
  for (const auto& file : endpoint.identity_files) {
    if (libssh2_userauth_authenticated(impl_->session)) break;
    int rc = libssh2_userauth_publickey_fromfile_ex(impl_->session, user, user_len, nullptr, file.c_str(), nullptr);
    if (rc == LIBSSH2_ERROR_FILE && prompts.passphrase) {  // encrypted (or unreadable): ask once
      if (const auto pass = prompts.passphrase(file))
        rc = libssh2_userauth_publickey_fromfile_ex(impl_->session, user, user_len, nullptr, file.c_str(),
                                                    pass->c_str());
    }
    if (rc != 0) tried.push_back(file + " (" + impl_->last_error() + ")");
  }
  // Keyboard-interactive when the host still wants it (a second factor after the key, or its
  // only method): one exchange, never repeated on a refusal.
  if (!libssh2_userauth_authenticated(impl_->session)) {
    const char* methods = libssh2_userauth_list(impl_->session, user, user_len);
    // A host that no longer offers publickey took one of the keys as the first factor (libssh2
    // reports that partial success as a refused key) and wants a second.
    if (methods && !std::strstr(methods, "publickey") && !tried.empty()) {
      tried.clear();
      tried.push_back("public key: accepted as the first factor; the host asks for " + std::string(methods));
    }
    if (methods && std::strstr(methods, "keyboard-interactive") && !prompts.keyboard_interactive) {
      tried.push_back("keyboard-interactive (the host asks questions, a one-time code, and nothing here can answer "
                      "them: nothing was sent)");
    } else if (methods && std::strstr(methods, "keyboard-interactive")) {
      KbdExchange x{&prompts};
      void** abstract = libssh2_session_abstract(impl_->session);
      void* before = *abstract;
      *abstract = &x;
      const int rc = libssh2_userauth_keyboard_interactive_ex(impl_->session, user, user_len, kbd_callback);
      *abstract = before;
      if (rc != 0) {
        const std::string asked = std::to_string(x.rounds) + (x.rounds == 1 ? " round" : " rounds");
        tried.push_back(x.unanswered ? "keyboard-interactive (" + asked +
                                           " of questions, not answered; nothing was retried)"
                                     : "keyboard-interactive (" + asked + " answered, refused by the host; not "
                                       "retried, so no one-time code is spent twice: connect again for a new one)");
      }
    }
  }
  if (!libssh2_userauth_authenticated(impl_->session)) {
    std::string list;
    for (const auto& t : tried) list += "\n  " + t;
    throw std::runtime_error("ssh " + where + ": authentication failed" +
                             (tried.empty() ? std::string(" (no agent key and no identity file to try)")
                                            : ", tried:" + list));
  }
  // Keepalives only now: one sent during the key exchange breaks it.
  libssh2_keepalive_config(impl_->session, 1, 5);
}

SshSession::~SshSession() = default;

ExecResult SshSession::exec(const std::string& command, const std::string& input) {
  auto* s = impl_->session;
  LIBSSH2_CHANNEL* ch = nullptr;
  {
    std::lock_guard hold(impl_->lock);
    libssh2_session_set_blocking(s, 1);
    ch = libssh2_channel_open_session(s);
    if (!ch) {
      impl_->broken = true;
      throw std::runtime_error("ssh: cannot open a channel: " + impl_->last_error());
    }
    if (libssh2_channel_exec(ch, command.c_str()) != 0) {
      const auto why = impl_->last_error();
      libssh2_channel_free(ch);
      throw std::runtime_error("ssh: cannot run a command: " + why);
    }
  }
  // Non-blocking from here: stdout and stderr are drained side by side, so neither fills its
  // window while the other is read; the lock is let go while waiting.
  ExecResult r;
  size_t sent = 0;
  bool eof_sent = false;
  char buf[32768];
  // A failed read, or a write that failed on the socket, is the link gone: without this the
  // loop would wait for an end of output that never comes.
  auto link_lost = [](ssize_t rc, bool reading) {
    if (rc >= 0 || rc == LIBSSH2_ERROR_EAGAIN) return false;
    return reading || rc == LIBSSH2_ERROR_SOCKET_SEND || rc == LIBSSH2_ERROR_SOCKET_RECV ||
           rc == LIBSSH2_ERROR_SOCKET_DISCONNECT || rc == LIBSSH2_ERROR_SOCKET_TIMEOUT;
  };
  for (;;) {
    bool progress = false, eof = false, lost = false;
    {
      std::lock_guard hold(impl_->lock);
      libssh2_session_set_blocking(s, 0);
      if (sent < input.size()) {
        const auto n = libssh2_channel_write(ch, input.data() + sent, input.size() - sent);
        if (n > 0) sent += size_t(n), progress = true;
        else if (n != LIBSSH2_ERROR_EAGAIN) eof = true, lost = link_lost(n, false);
      } else if (!eof_sent) {
        const int rc = libssh2_channel_send_eof(ch);
        if (rc == 0) eof_sent = true, progress = true;
        else if (rc != LIBSSH2_ERROR_EAGAIN) eof_sent = true, lost = link_lost(rc, false);
      }
      for (int stream : {0, SSH_EXTENDED_DATA_STDERR}) {
        const auto n = libssh2_channel_read_ex(ch, stream, buf, sizeof buf);
        if (n > 0) (stream == 0 ? r.out : r.err).append(buf, size_t(n)), progress = true;
        lost = lost || link_lost(n, true);
      }
      if (lost) {
        impl_->broken = true;
        const auto why = impl_->last_error();
        libssh2_channel_free(ch);  // non-blocking still: never waits on the dead link
        libssh2_session_set_blocking(s, 1);
        throw SshBroken("ssh: the connection broke while a command ran: " + why);
      }
      eof = eof || libssh2_channel_eof(ch);
      libssh2_session_set_blocking(s, 1);
    }
    if (eof) break;
    if (!progress) impl_->wait();
  }
  std::lock_guard hold(impl_->lock);
  libssh2_session_set_blocking(s, 1);
  // What is left after EOF, then the exit status.
  for (int stream : {0, SSH_EXTENDED_DATA_STDERR})
    for (ssize_t n; (n = libssh2_channel_read_ex(ch, stream, buf, sizeof buf)) > 0;)
      (stream == 0 ? r.out : r.err).append(buf, size_t(n));
  libssh2_channel_close(ch);
  libssh2_channel_wait_closed(ch);
  r.exit_status = libssh2_channel_get_exit_status(ch);
  char* signal = nullptr;
  size_t signal_len = 0;
  libssh2_channel_get_exit_signal(ch, &signal, &signal_len, nullptr, nullptr, nullptr, nullptr);
  if (signal) {
    r.exit_signal.assign(signal, signal_len);
    r.exit_status = -1;
    libssh2_free(s, signal);
  }
  libssh2_channel_free(ch);
  return r;
}

std::unique_ptr<SshChannel> SshSession::open_channel(const std::string& command) {
  auto* s = impl_->session;
  std::lock_guard hold(impl_->lock);
  libssh2_session_set_blocking(s, 1);
  LIBSSH2_CHANNEL* ch = libssh2_channel_open_session(s);
  if (!ch) {
    impl_->broken = true;
    throw SshBroken("ssh: cannot open a channel: " + impl_->last_error());
  }
  if (libssh2_channel_exec(ch, command.c_str()) != 0) {
    const auto why = impl_->last_error();
    libssh2_channel_free(ch);
    impl_->broken = true;
    throw SshBroken("ssh: cannot run a command: " + why);
  }
  return std::unique_ptr<SshChannel>(new SshChannel(*this, ch));
}

int SshSession::socket_fd() const { return impl_->fd; }

void SshSession::keepalive() {
  std::unique_lock hold(impl_->lock, std::try_to_lock);
  if (!hold) return;  // another run's call is on the link: it is alive enough
  libssh2_session_set_blocking(impl_->session, 0);
  int next = 0;
  const int rc = libssh2_keepalive_send(impl_->session, &next);
  libssh2_session_set_blocking(impl_->session, 1);
  if (rc != 0 && rc != LIBSSH2_ERROR_EAGAIN) {
    impl_->broken = true;
    throw SshBroken("ssh: keepalive failed: " + impl_->last_error());
  }
}

void SshSession::sever() {
  impl_->broken = true;
  ::shutdown(impl_->fd, SHUT_RDWR);
}

bool SshSession::broken() const { return impl_->broken; }

SshChannel::~SshChannel() {
  auto* ch = static_cast<LIBSSH2_CHANNEL*>(channel_);
  std::lock_guard hold(session_.impl_->lock);
  libssh2_session_set_blocking(session_.impl_->session, 0);  // never wait on a dead link here
  libssh2_channel_free(ch);
  libssh2_session_set_blocking(session_.impl_->session, 1);
}

std::string SshChannel::read_available() {
  auto* ch = static_cast<LIBSSH2_CHANNEL*>(channel_);
  auto* s = session_.impl_->session;
  // Never waits: another thread's call on a shared connection (a start's upload) may block on
  // the network for a while, and this is the GUI thread's pump; what arrived stays buffered.
  std::unique_lock hold(session_.impl_->lock, std::try_to_lock);
  if (!hold) return {};
  libssh2_session_set_blocking(s, 0);
  struct Restore {
    LIBSSH2_SESSION* s;
    ~Restore() { libssh2_session_set_blocking(s, 1); }
  } restore{s};
  auto broken = [&](ssize_t rc) {
    const bool b = rc < 0 && rc != LIBSSH2_ERROR_EAGAIN;
    if (b) session_.impl_->broken = true;
    return b;
  };
  while (!pending_.empty()) {
    const ssize_t n = libssh2_channel_write(ch, pending_.data(), pending_.size());
    if (broken(n)) throw SshBroken("ssh: writing to the channel failed: " + session_.impl_->last_error());
    if (n <= 0) break;
    pending_.erase(0, size_t(n));
  }
  std::string out;
  char buf[65536];
  for (int stream : {0, SSH_EXTENDED_DATA_STDERR}) {
    for (;;) {
      const ssize_t n = libssh2_channel_read_ex(ch, stream, buf, sizeof buf);
      if (broken(n)) throw SshBroken("ssh: reading the channel failed: " + session_.impl_->last_error());
      if (n <= 0) break;
      (stream == 0 ? out : err_).append(buf, size_t(n));
    }
  }
  if (libssh2_channel_eof(ch)) eof_ = true;
  return out;
}

std::optional<int> SshChannel::exit_status() {
  if (exit_) return exit_;
  if (!eof_) return std::nullopt;
  auto* ch = static_cast<LIBSSH2_CHANNEL*>(channel_);
  auto* s = session_.impl_->session;
  std::unique_lock hold(session_.impl_->lock, std::try_to_lock);
  if (!hold) return std::nullopt;  // asked again at the next pump
  libssh2_session_set_blocking(s, 0);
  int rc = close_sent_ ? 0 : libssh2_channel_close(ch);
  if (rc == 0) close_sent_ = true, rc = libssh2_channel_wait_closed(ch);
  libssh2_session_set_blocking(s, 1);
  if (rc == LIBSSH2_ERROR_EAGAIN) return std::nullopt;
  if (rc != 0) {
    session_.impl_->broken = true;
    throw SshBroken("ssh: closing the channel failed: " + session_.impl_->last_error());
  }
  exit_ = libssh2_channel_get_exit_status(ch);
  char* signal = nullptr;
  size_t signal_len = 0;
  libssh2_channel_get_exit_signal(ch, &signal, &signal_len, nullptr, nullptr, nullptr, nullptr);
  if (signal) {
    exit_signal_.assign(signal, signal_len);
    exit_ = -1;
    libssh2_free(s, signal);
  }
  return exit_;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace r1wb::remote
