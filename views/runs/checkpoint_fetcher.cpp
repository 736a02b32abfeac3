#include "views/runs/checkpoint_fetcher.h"
#include "views/runs/ssh_prompts.h"

#include "core/jobs/checkpoint_fetch.h"

#include <QCoreApplication>
#include <QPointer>

#include <chrono>
#include <thread>

namespace r1wb::views {

bool CheckpointFetcher::fetch(const RunRow& run, const remote::SshEndpoint& endpoint) {
  if (busy(run.id)) return false;
  busy_.insert(run.id);
  QPointer<CheckpointFetcher> self(this);
  const auto post = [self](auto f) { QMetaObject::invokeMethod(qApp, [self, f] { if (self) f(*self); }, Qt::QueuedConnection); };
  std::thread([run, endpoint, post] {
    const QString name = QString::fromStdString(run.name);
    auto last = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    try {
      remote::SshSession ssh(endpoint, ssh_prompts());
      const auto f = fetch_checkpoint(ssh, run, std::nullopt, [&](const std::string& file, const remote::FetchProgress& p) {
        if (std::chrono::steady_clock::now() - last < std::chrono::milliseconds(200) && p.done < p.total) return;
        last = std::chrono::steady_clock::now();
        const double rate = p.seconds > 0 ? double(p.done) / p.seconds : 0;
        const QString text = QString("%1: fetching %2, %3% of %4 MiB, %5 MiB/s, ETA %6 s")
                                 .arg(name, QString::fromStdString(file))
                                 .arg(p.total ? 100.0 * double(p.done) / double(p.total) : 100.0, 0, 'f', 0)
                                 .arg(double(p.total) / (1 << 20), 0, 'f', 1)
                                 .arg(rate / (1 << 20), 0, 'f', 0)
                                 .arg(rate > 0 ? double(p.total - p.done) / rate : 0.0, 0, 'f', 0);
        post([id = run.id, text](CheckpointFetcher& s) { emit s.progress(id, text); });
      });
      const QString where = QString::fromStdString(f.local_dir);
      const QString text = f.already_here
                               ? QString("%1: step %2 is here already (%3)").arg(name).arg(f.step).arg(where)
                               : QString("%1: step %2 fetched into %3 (%4 files, %5 MiB, each SHA-256 checked)")
                                     .arg(name)
                                     .arg(f.step)
                                     .arg(where)
                                     .arg(f.files)
                                     .arg(double(f.bytes) / (1 << 20), 0, 'f', 1);
      post([id = run.id, text](CheckpointFetcher& s) {
        s.busy_.erase(id);
        emit s.finished(id, true, text);
      });
    } catch (const std::exception& e) {
      const QString text = name + ": fetch failed: " + QString::fromStdString(e.what()) + " (Fetch again resumes)";
      post([id = run.id, text](CheckpointFetcher& s) {
        s.busy_.erase(id);
        emit s.finished(id, false, text);
      });
    }
  }).detach();
  return true;
}

}  // namespace r1wb::views
