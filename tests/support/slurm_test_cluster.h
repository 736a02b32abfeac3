// A one-node Slurm cluster for the tests (recipe: ../shared/ENVIRONMENT.md): munged with a
// throwaway key, slurmctld and slurmd from Debian's slurm-wlm, as root, no systemd, no cgroups,
// no accounting, on free ports of 127.0.0.1, every path in the test's directory. It is idle in
// about a second. With `nodes` > 1 each node is a slurmd of its own on this machine (nodes
// node1..nodeN at 127.0.0.1..127.0.0.N, a port, spool, pid and log file each): an allocation
// spans them as a real cluster's would, srun starting each node's tasks through its slurmd. Two settings make the tests fast: cred_expire=5 (a requeued job waits that
// long, not 120 s, before it may run again) and a one-second scheduling interval. Clients find
// it through SLURM_CONF (set in this process; sshd_line() for sessions of the test's sshd).
#pragma once
#include "tests/support/sshd_server.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace r1wb::testing {

class SlurmTestCluster {
 public:
  explicit SlurmTestCluster(const std::filesystem::path& dir, int nodes = 1) : dir_(dir), nodes_(nodes) {
    namespace fs = std::filesystem;
    fs::create_directories(dir_ / "state"), fs::create_directories(dir_ / "spool");
    // munged's socket path must stay short (108 bytes) and its directory open to everyone.
    char tmpl[] = "/tmp/r1wb-munge-XXXXXX";
    munge_dir_ = ::mkdtemp(tmpl);
    fs::permissions(munge_dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                    fs::perms::others_read | fs::perms::others_exec);
    const std::string as_munge = ::getuid() == 0 ? "su -s /bin/sh munge -c " : "sh -c ";
    if (::getuid() == 0) sh("chown munge:munge '" + munge_dir_.string() + "'");
    const std::string key = (munge_dir_ / "munge.key").string();
    sh(as_munge + "\"mungekey -c -k '" + key + "'\"");
    sh(as_munge + "\"/usr/sbin/munged --socket='" + socket() + "' --key-file='" + key + "' --pid-file='" +
       (munge_dir_ / "munged.pid").string() + "' --log-file='" + (munge_dir_ / "munged.log").string() +
       "' --seed-file='" + (munge_dir_ / "seed").string() + "'\"");
    conf_ = (dir_ / "slurm.conf").string();
    const std::string d = dir_.string(), n = nodes_ > 1 ? "%n" : "";  // %n: the node's name
    std::ofstream conf(conf_);
    conf << "ClusterName=r1wbtest\nSlurmctldHost=localhost\nSlurmUser=root\n"
         << "SlurmctldPort=" << SshdServer::free_port() << "\nSlurmdPort=" << SshdServer::free_port()
         << "\nAuthInfo=socket=" << socket() << ",cred_expire=5\n"
         << "StateSaveLocation=" << d << "/state\nSlurmdSpoolDir=" << d << "/spool" << n << "\n"
         << "SlurmctldPidFile=" << d << "/slurmctld.pid\nSlurmdPidFile=" << d << "/slurmd" << n << ".pid\n"
         << "SlurmctldLogFile=" << d << "/slurmctld.log\nSlurmdLogFile=" << d << "/slurmd" << n << ".log\n"
         << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\nMpiDefault=none\n"
         << "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\n"
         << "AccountingStorageType=accounting_storage/none\nJobCompType=jobcomp/none\n"
         << "MailProg=/bin/true\nMinJobAge=600\nReturnToService=2\nKillWait=5\n"
         << "SchedulerParameters=sched_interval=1,bf_interval=1\n";
    if (nodes_ == 1) {
      conf << "NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 RealMemory=2000\n"
           << "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP\n";
    } else {
      for (int i = 1; i <= nodes_; ++i)
        conf << "NodeName=node" << i << " NodeHostname=localhost NodeAddr=127.0.0." << i
             << " Port=" << SshdServer::free_port() << " CPUs=2 RealMemory=2000\n";
      conf << "PartitionName=debug Nodes=node[1-" << nodes_ << "] Default=YES MaxTime=INFINITE State=UP\n";
    }
    conf.close();
    ::setenv("SLURM_CONF", conf_.c_str(), 1);
    sh("slurmctld -f '" + conf_ + "'");
    std::vector<std::filesystem::path> pid_files{dir_ / "slurmctld.pid", munge_dir_ / "munged.pid"};
    for (int i = 1; i <= nodes_; ++i) {
      const std::string name = nodes_ == 1 ? "localhost" : "node" + std::to_string(i);
      sh("slurmd -f '" + conf_ + "' -N " + name);
      pid_files.push_back(dir_ / (nodes_ == 1 ? "slurmd.pid" : "slurmd" + name + ".pid"));
    }
    for (int i = 0; i < 100 && !idle(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_TRUE(idle()) << "the test cluster's nodes did not come up: " << d << "/slurmctld.log, slurmd*.log";
    // Read now: the test may remove its directory first.
    for (const auto& pid : pid_files) {
      std::ifstream in(pid);
      pid_t p = 0;
      if (in >> p && p > 0) pids_.push_back(p);
    }
  }
  //! Stops the daemons (and the jobs slurmd still runs) and waits until they are gone.
  ~SlurmTestCluster() {
    for (pid_t p : pids_) ::kill(p, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      bool alive = false;
      for (pid_t p : pids_) alive = alive || ::kill(p, 0) == 0;
      if (!alive) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::filesystem::remove_all(munge_dir_);
    ::unsetenv("SLURM_CONF");
  }
  const std::string& conf() const { return conf_; }
  //! The sshd_config line that gives the test's SSH sessions this cluster.
  std::string sshd_line() const { return "SetEnv SLURM_CONF=" + conf_ + "\n"; }
  //! What a shell command printed (SLURM_CONF set).
  static std::string capture(const std::string& cmd) {
    std::string out;
    if (FILE* p = ::popen(cmd.c_str(), "r")) {
      char buf[4096];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
      ::pclose(p);
    }
    return out;
  }

 private:
  std::string socket() const { return (munge_dir_ / "munge.socket").string(); }
  static void sh(const std::string& cmd) { EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd; }
  //! Every node idle (sinfo -N prints a line per node).
  bool idle() const {
    const std::string states = capture("timeout 5 sinfo -h -N -o %t 2>/dev/null");
    int idle_nodes = 0;
    for (size_t at = states.find("idle"); at != std::string::npos; at = states.find("idle", at + 1)) ++idle_nodes;
    return idle_nodes == nodes_;
  }
  std::filesystem::path dir_, munge_dir_;
  int nodes_ = 1;
  std::string conf_;
  std::vector<pid_t> pids_;
};

}  // namespace r1wb::testing
