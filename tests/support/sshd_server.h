// A real OpenSSH server for the tests, on 127.0.0.1 only, with throwaway ed25519 keys made by
// ssh-keygen in the test's directory (recipe: ../shared/ENVIRONMENT.md): the host key, a user
// key whose public half is the only authorized key, and an sshd_config that allows nothing
// else. Started on a free port; stopped (its pid file) when the object goes. With a PAM service
// name it also asks a one-time code after the key (AuthenticationMethods publickey,
// keyboard-interactive): sshd is started through a link of that name (its PAM service is the
// name it runs as), whose /etc/pam.d file scripts/install-test-consumers.sh writes.
#pragma once
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace r1wb::testing {

class SshdServer {
 public:
  //! `extra_config`: more sshd_config lines ("SetEnv SLURM_CONF=..." for a test cluster).
  //! `pam_service`: ask keyboard-interactive through that PAM service after the key.
  explicit SshdServer(const std::filesystem::path& dir, const std::string& extra_config = "",
                      const std::string& pam_service = "")
      : dir_(dir) {
    namespace fs = std::filesystem;
    fs::create_directories(dir_);
    host_key = dir_ / "host_ed25519";
    user_key = dir_ / "user_ed25519";
    for (const auto& k : {host_key, user_key})
      EXPECT_EQ(std::system(("ssh-keygen -q -t ed25519 -N '' -C r1wb-test -f '" + k.string() + "'").c_str()), 0);
    fs::copy_file(user_key.string() + ".pub", dir_ / "authorized_keys", fs::copy_options::overwrite_existing);
    port = free_port();
    const passwd* pw = ::getpwuid(::getuid());
    user = pw ? pw->pw_name : "root";
    std::ofstream(dir_ / "sshd_config") << "Port " << port << "\nListenAddress 127.0.0.1\nHostKey " << host_key.string()
                                        << "\nAuthorizedKeysFile " << (dir_ / "authorized_keys").string()
                                        << "\nPasswordAuthentication no\n"
                                        << (pam_service.empty() ? "KbdInteractiveAuthentication no\nUsePAM no\n"
                                                                : "KbdInteractiveAuthentication yes\nUsePAM yes\n"
                                                                  "AuthenticationMethods publickey,keyboard-interactive\n"
                                                                  "PermitRootLogin yes\n")
                                        << "StrictModes no\nPidFile " << (dir_ / "sshd.pid").string()
                                        << "\nSubsystem sftp internal-sftp\n"
                                        << extra_config;
    std::error_code ec;
    fs::create_directories("/run/sshd", ec);  // sshd's privilege separation directory
    std::string program = "/usr/sbin/sshd";
    if (!pam_service.empty()) {
      program = (dir_ / pam_service).string();
      fs::create_symlink("/usr/sbin/sshd", program, ec);
    }
    const std::string cmd = program + " -f '" + (dir_ / "sshd_config").string() + "' -E '" +
                            (dir_ / "sshd.log").string() + "'";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    for (int i = 0; i < 100 && !listening(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(listening()) << "sshd did not start: " << (dir_ / "sshd.log").string();
    // Read now (the test may remove its directory first), once sshd has written it: it may
    // listen before it does, and a pid never read is a server never stopped.
    for (int i = 0; i < 100 && pid_ <= 0; ++i) {
      std::ifstream in(dir_ / "sshd.pid");
      if (!(in >> pid_)) pid_ = 0, std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_GT(pid_, 0) << "sshd wrote no pid file";
  }
  //! Stops sshd and waits (up to 3 s) until it has removed its pid file, so the test can
  //! remove the directory without racing it.
  ~SshdServer() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 60 && std::filesystem::exists(dir_ / "sshd.pid"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  int port = 0;
  std::filesystem::path host_key, user_key;
  std::string user;

  //! A TCP port on 127.0.0.1 that nothing listens on now.
  static int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
  }

 private:
  bool listening() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
  }
  std::filesystem::path dir_;
  pid_t pid_ = 0;
};

}  // namespace r1wb::testing
