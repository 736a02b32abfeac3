// Keyboard-interactive (a one-time code after the key) through a real OpenSSH server with real
// PAM: sshd runs as the PAM service scripts/install-test-consumers.sh writes, whose
// pam_google_authenticator asks a TOTP code (RFC 6238, the test's own secret) and refuses a code
// used before. The client asks each question once per connection and never retries: a wrong or
// spent code ends the connection with the host's verdict after exactly one question.
#include "core/remote/ssh_session.h"
#include "tests/support/two_factor_host.h"

#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <unistd.h>

using namespace r1wb::remote;
using r1wb::testing::kPamService;
using r1wb::testing::pam_service_installed;
using r1wb::testing::totp;
using TwoFactorHost = r1wb::testing::TwoFactorHost;
namespace fs = std::filesystem;

namespace {

//! Prompts that answer every question with `code` and record what was asked.
struct Asked {
  std::vector<KbdPrompt> questions;
  int rounds = 0;
  Prompts answering(const std::string& code) {
    Prompts p;
    p.keyboard_interactive = [this, code](const std::string&, const std::string&, const std::vector<KbdPrompt>& q) {
      ++rounds;
      questions.insert(questions.end(), q.begin(), q.end());
      return std::optional<std::vector<std::string>>(std::vector<std::string>(q.size(), code));
    };
    return p;
  }
};

//! The two-factor host in the test's own directory, removed after.
struct Host : TwoFactorHost {
  Host() : TwoFactorHost(fs::temp_directory_path() / ("r1wb-2fa-" + std::to_string(::getpid()))) {}
  ~Host() { fs::remove_all(dir); }
};

}  // namespace

TEST(SshTwoFactor, TheKeyThenOneCodeConnectsAskingOneQuestionWithoutEcho) {
  ASSERT_TRUE(pam_service_installed()) << "scripts/install-test-consumers.sh writes /etc/pam.d/" << kPamService;
  Host h;
  Asked asked;
  SshSession s(h.endpoint(), asked.answering(totp(h.key, std::time(nullptr))));
  EXPECT_EQ(s.exec("echo in").out, "in\n");
  EXPECT_EQ(asked.rounds, 1);
  ASSERT_EQ(asked.questions.size(), 1u);
  EXPECT_NE(asked.questions[0].text.find("Verification code"), std::string::npos) << asked.questions[0].text;
  EXPECT_FALSE(asked.questions[0].echo);
}

TEST(SshTwoFactor, AWrongCodeIsRefusedAfterOneQuestionAndNeverRetried) {
  ASSERT_TRUE(pam_service_installed()) << "scripts/install-test-consumers.sh writes /etc/pam.d/" << kPamService;
  Host h;
  // A code none of the windows the host accepts gives.
  std::set<std::string> valid;
  for (int w = -4; w <= 4; ++w) valid.insert(totp(h.key, std::time(nullptr) + 30 * w));
  std::string wrong = "000000";
  for (int i = 1; valid.count(wrong); ++i) wrong = std::to_string(100000 + i);
  Asked asked;
  try {
    SshSession s(h.endpoint(), asked.answering(wrong));
    FAIL() << "a wrong code was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("refused by the host; not retried"), std::string::npos) << e.what();
  }
  EXPECT_EQ(asked.rounds, 1) << "the host allows more tries; the client takes none";
  // With nothing to ask the user (a script without a terminal) nothing is sent and the host refuses.
  try {
    SshSession s(h.endpoint());
    FAIL() << "connected without a code";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("nothing here can answer"), std::string::npos) << e.what();
  }
}

TEST(SshTwoFactor, ACodeUsedOnceIsRefusedTheSecondTimeAfterOneQuestion) {
  ASSERT_TRUE(pam_service_installed()) << "scripts/install-test-consumers.sh writes /etc/pam.d/" << kPamService;
  Host h;
  const auto code = totp(h.key, std::time(nullptr));
  Asked first, second;
  { SshSession s(h.endpoint(), first.answering(code)); }
  try {
    SshSession s(h.endpoint(), second.answering(code));
    FAIL() << "the host took a spent code";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("refused by the host"), std::string::npos) << e.what();
  }
  EXPECT_EQ(first.rounds, 1);
  EXPECT_EQ(second.rounds, 1) << "a replayed code is what a retry loop would burn";
}
