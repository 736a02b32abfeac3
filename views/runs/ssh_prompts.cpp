#include "views/runs/ssh_prompts.h"

#include <QApplication>
#include <QInputDialog>
#include <QLineEdit>
#include <QThread>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>

namespace r1wb::views {
namespace {

std::mutex mutex;
std::condition_variable answered;
bool closed = false;

//! Runs `ask` on the GUI thread and returns its answer; a worker waits for it (or for the
//! prompts closing). nullopt once closed.
template <class T>
std::optional<T> on_gui_thread(std::function<std::optional<T>()> ask) {
  {
    std::lock_guard lock(mutex);
    if (closed) return std::nullopt;
  }
  if (QThread::currentThread() == qApp->thread()) return ask();
  struct Slot {
    bool done = false;
    std::optional<T> answer;
  };
  auto slot = std::make_shared<Slot>();
  QMetaObject::invokeMethod(
      qApp,
      [slot, ask] {
        bool was_closed;
        {
          std::lock_guard lock(mutex);
          was_closed = closed;
        }
        std::optional<T> a = was_closed ? std::nullopt : ask();
        std::lock_guard lock(mutex);
        slot->answer = std::move(a);
        slot->done = true;
        answered.notify_all();
      },
      Qt::QueuedConnection);
  std::unique_lock lock(mutex);
  answered.wait(lock, [&] { return slot->done || closed; });
  return slot->done ? slot->answer : std::nullopt;
}

std::optional<std::string> ask_line(const QString& title, const QString& label, bool echo) {
  bool ok = false;
  const QString text = QInputDialog::getText(QApplication::activeWindow(), title, label,
                                             echo ? QLineEdit::Normal : QLineEdit::Password, QString(), &ok);
  if (!ok) return std::nullopt;
  return text.toStdString();
}

}  // namespace

const remote::Prompts& ssh_prompts() {
  static const remote::Prompts prompts = [] {
    remote::Prompts p;
    auto memo = std::make_shared<std::map<std::string, std::optional<std::string>>>();
    auto memo_mutex = std::make_shared<std::mutex>();
    p.passphrase = [memo, memo_mutex](const std::string& key) -> std::optional<std::string> {
      {
        std::lock_guard lock(*memo_mutex);
        if (const auto it = memo->find(key); it != memo->end()) return it->second;
      }
      // Not held while asking: the GUI thread may connect (and ask) itself meanwhile.
      const auto answer = on_gui_thread<std::string>([key] {
        return ask_line("SSH key passphrase", "Passphrase for " + QString::fromStdString(key) + ":", false);
      });
      std::lock_guard lock(*memo_mutex);
      return memo->emplace(key, answer).first->second;
    };
    p.keyboard_interactive = [](const std::string& name, const std::string& instruction,
                                const std::vector<remote::KbdPrompt>& asked) {
      return on_gui_thread<std::vector<std::string>>([=]() -> std::optional<std::vector<std::string>> {
        const QString header = QString::fromStdString(name + (name.empty() || instruction.empty() ? "" : "\n") +
                                                      instruction);
        std::vector<std::string> answers;
        for (const auto& q : asked) {
          const QString label = (header.isEmpty() ? QString() : header + "\n") + QString::fromStdString(q.text);
          auto a = ask_line("SSH host asks", label, q.echo);
          if (!a) return std::nullopt;
          answers.push_back(std::move(*a));
        }
        return answers;
      });
    };
    return p;
  }();
  return prompts;
}

const std::shared_ptr<remote::SshPool>& app_ssh_pool() {
  // Never destroyed: at exit OpenSSL may be cleaned up before a static's destructor would free
  // its sessions; the window lets go of them first (close_all), the OS closes what is left.
  static const auto* pool = new std::shared_ptr<remote::SshPool>(std::make_shared<remote::SshPool>());
  return *pool;
}

void close_ssh_prompts() {
  std::lock_guard lock(mutex);
  closed = true;
  answered.notify_all();
}

void open_ssh_prompts() {
  std::lock_guard lock(mutex);
  closed = false;
}

}  // namespace r1wb::views
