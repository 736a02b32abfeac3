// ~/.ssh/config resolved as OpenSSH resolves it (core/remote/ssh_config.h), on texts written
// here and an in-memory environment: first value wins across blocks, patterns and negation,
// IdentityFile accumulates and expands its tokens, ProxyJump hops of every written form,
// Include, Match blocks named in the notes, and errors that name the file and line.
#include "core/remote/ssh_config.h"

#include <gtest/gtest.h>

#include <map>

using namespace r1wb::remote;

namespace {

SshConfigEnvironment env(std::map<std::string, std::string> files = {}) {
  SshConfigEnvironment e;
  e.local_user = "me";
  e.home = "/home/me";
  e.glob = [files](const std::string& pattern) {
    std::vector<std::string> out;
    for (const auto& [path, text] : files)
      if (path == pattern || (pattern.back() == '*' && path.rfind(pattern.substr(0, pattern.size() - 1), 0) == 0))
        out.push_back(path);
    return out;
  };
  e.read = [files](const std::string& path) { return files.at(path); };
  return e;
}

}  // namespace

TEST(SshConfig, TheFirstValueObtainedWinsAndIdentityFilesAccumulate) {
  const std::string text = R"(# the cluster
Host gpu1 gpu2
  HostName %h.lab.example.org
  User alice
  IdentityFile ~/.ssh/id_lab

Host gpu*
  User bob
  Port 2222
  IdentityFile "%d/keys/%r at %h"

Host *
  Port 22
  User nobody
)";
  const auto h = resolve_ssh_host(text, "cfg", "gpu1", env());
  EXPECT_EQ(h.hostname, "gpu1.lab.example.org");
  EXPECT_EQ(h.user, "alice") << "the first User obtained";
  EXPECT_EQ(h.port, 2222);
  EXPECT_EQ(h.identity_files,
            (std::vector<std::string>{"/home/me/.ssh/id_lab", "/home/me/keys/alice at gpu1.lab.example.org"}));
  const auto other = resolve_ssh_host(text, "cfg", "gpu7", env());
  EXPECT_EQ(other.hostname, "gpu7");
  EXPECT_EQ(other.user, "bob");
  const auto plain = resolve_ssh_host(text, "cfg", "laptop", env());
  EXPECT_EQ(plain.hostname, "laptop");
  EXPECT_EQ(plain.user, "nobody");
  EXPECT_EQ(plain.port, 22);
  EXPECT_TRUE(plain.identity_files.empty());
  EXPECT_EQ(resolve_ssh_host("", "cfg", "x", env()).user, "me") << "no User: the local user";
}

TEST(SshConfig, PatternsNegationKeywordCaseAndEqualsSigns) {
  EXPECT_TRUE(host_matches("*.example.org", "a.example.org"));
  EXPECT_TRUE(host_matches("node?", "NODE1")) << "host names match case-insensitively";
  EXPECT_FALSE(host_matches("node?", "node12"));
  EXPECT_FALSE(host_matches("* !bastion", "bastion")) << "a negated match rules the block out";
  EXPECT_TRUE(host_matches("* !bastion", "gpu"));
  EXPECT_FALSE(host_matches("!bastion", "gpu")) << "negation alone matches nothing";
  const std::string text = "PORT=2200\nhost gpu\n  hostname = 10.0.0.5\n  USER\tcarol\n";
  const auto h = resolve_ssh_host(text, "cfg", "gpu", env());
  EXPECT_EQ(h.port, 2200) << "lines before the first Host apply to every host";
  EXPECT_EQ(h.hostname, "10.0.0.5");
  EXPECT_EQ(h.user, "carol");
}

TEST(SshConfig, ProxyJumpHopsInEveryWrittenFormOutermostFirst) {
  const std::string text = R"(Host inner
  ProxyJump admin@bastion:2022,ssh://relay,[fd00::1]:23,jump
Host inner
  ProxyJump other
Host direct
  ProxyJump none
)";
  const auto h = resolve_ssh_host(text, "cfg", "inner", env());
  ASSERT_EQ(h.jumps.size(), 4u);
  EXPECT_EQ(h.jumps[0].user, "admin");
  EXPECT_EQ(h.jumps[0].host, "bastion");
  EXPECT_EQ(h.jumps[0].port, 2022);
  EXPECT_EQ(h.jumps[1].host, "relay");
  EXPECT_EQ(h.jumps[1].port, 0) << "the hop's own port, from its own entry";
  EXPECT_EQ(h.jumps[2].host, "fd00::1");
  EXPECT_EQ(h.jumps[2].port, 23);
  EXPECT_EQ(h.jumps[3].host, "jump");
  EXPECT_TRUE(resolve_ssh_host(text, "cfg", "direct", env()).jumps.empty());
}

TEST(SshConfig, IncludeMatchAndProxyCommandAreReadOrNamed) {
  const auto e = env({{"/home/me/.ssh/config.d/lab", "Host gpu\n  User dave\n  Port 2022\n"},
                      {"/etc/ssh/extra", "Host *\n  IdentityFile /etc/ssh/shared_key\n"}});
  const std::string text = "Include config.d/*\nInclude /etc/ssh/extra\nMatch exec \"true\"\n  User eve\n"
                           "Match all\n  ProxyCommand nc %h %p\n";
  const auto h = resolve_ssh_host(text, "/home/me/.ssh/config", "gpu", e);
  EXPECT_EQ(h.user, "dave");
  EXPECT_EQ(h.port, 2022);
  EXPECT_EQ(h.identity_files, std::vector<std::string>{"/etc/ssh/shared_key"});
  ASSERT_EQ(h.notes.size(), 2u);
  EXPECT_EQ(h.notes[0], "/home/me/.ssh/config:3: Match exec is not evaluated; its block is skipped");
  EXPECT_EQ(h.notes[1], "/home/me/.ssh/config:6: ProxyCommand is not run (use ProxyJump)");
}

TEST(SshConfig, ErrorsNameTheFileAndLine) {
  auto error = [](const std::string& text) {
    try {
      resolve_ssh_host(text, "/home/me/.ssh/config", "gpu", env());
    } catch (const SshConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("Host gpu\n  Port 70000\n"), "/home/me/.ssh/config:2: Port '70000' is not a port number (1-65535)");
  EXPECT_EQ(error("Host gpu\n  ProxyJump a@b:x\n"),
            "/home/me/.ssh/config:2: ProxyJump hop 'a@b:x': Port 'x' is not a port number (1-65535)");
  EXPECT_EQ(error("Host gpu\n  IdentityFile ~/.ssh/%z\n"),
            "/home/me/.ssh/config:2: '~/.ssh/%z': the token %z is not supported here");
  EXPECT_EQ(error("Host gpu\n  User\n"), "/home/me/.ssh/config:2: user has no value");
  EXPECT_EQ(error("Host other\n  Port 70000\n"), "no error") << "a block for another host is not read";
}
