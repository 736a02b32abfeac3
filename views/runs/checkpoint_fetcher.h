// The app's Fetch: a remote run's newest checkpoint brought into its local run directory
// (core/jobs/checkpoint_fetch.h) on a worker thread, progress and ETA as it goes, so the GUI
// never waits on the network. Then Export, eval and a new stage (Continue as...) use it.
#pragma once
#include "core/remote/ssh_session.h"
#include "core/store/store.h"

#include <QObject>
#include <QString>

#include <cstdint>
#include <set>

namespace r1wb::views {

class CheckpointFetcher : public QObject {
  Q_OBJECT
 public:
  explicit CheckpointFetcher(QObject* parent = nullptr) : QObject(parent) {}
  //! Starts fetching `run`'s newest checkpoint over a connection to `endpoint`; false when one
  //! of this run is under way already.
  bool fetch(const RunRow& run, const remote::SshEndpoint& endpoint);
  bool busy(int64_t run_id) const { return busy_.count(run_id) > 0; }

 signals:
  //! "tiny-moe-3: model.pt 45% of 12.0 MiB, 30 MiB/s, ETA 1 s"
  void progress(int64_t run_id, const QString& text);
  //! ok: the checkpoint is in the local run directory (`text` says where); else why not.
  void finished(int64_t run_id, bool ok, const QString& text);

 private:
  std::set<int64_t> busy_;
};

}  // namespace r1wb::views
