// MainWindow's run control: queueing runs (Run, Duplicate, Resume, ablation grids), watching
// their streams, reporting their end, and the selected run's tags, notes and buttons.
#include "views/shell/main_window.h"
#include "views/runs/ssh_prompts.h"

#include "core/jobs/host_endpoint.h"
#include "core/jobs/remote_run_dir.h"

#include "views/compress/compression_view.h"
#include "views/runs/checkpoint_fetcher.h"
#include "views/runs/export_dialog.h"

#include "core/store/run_lineage.h"

#include "core/config/ablation.h"
#include "core/config/model_cost.h"
#include "core/paths.h"

#include "views/experiment/ablation_panel.h"
#include "views/experiment/config_editor.h"
#include "views/runs/run_list.h"
#include "views/shell/run_notifier.h"
#include "views/shell/workbench_context.h"

#include <QApplication>
#include <QDateTime>
#include <algorithm>
#include <QDir>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QSocketNotifier>
#include <QStatusBar>
#include <QTimer>

#include <thread>

namespace r1wb::views {

void MainWindow::start_run() {
  if (!editor_->is_valid()) return;
  const ConfigResult& config = editor_->result();
  queue_run(config.experiment.name, config.resolved.dump(2), {}, "Cannot queue the run: ");
}

void MainWindow::queue_run(const std::string& experiment, const std::string& config_json,
                           const std::vector<std::string>& tags, const QString& failure) {
  try {
    last_started_ = queue_->enqueue(experiment, config_json, tags, queue_panel_->target().toStdString());
  } catch (const std::exception& e) {
    statusBar()->showMessage(failure + e.what());
    return;
  }
  handle(queue_->fill_slots());
  refresh_runs();
  run_list_->select_run(last_started_);
}

void MainWindow::queue_ablation() {
  const AblationPlan& plan = ablation_->plan();
  if (!plan.ok()) return;
  // One tag names the grid, so the browser finds its runs again (tag:ablation-...).
  const std::string tag = "ablation-" + QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss").toStdString();
  ablation_runs_.clear();
  ablation_axes_ = ablation_->axis_paths();
  const std::string target = queue_panel_->target().toStdString();
  const auto host = target.empty() ? std::nullopt : store_->host(target);
  const bool array = host && !host->slurm.empty() && plan.cells.size() > 1;  // Slurm queues the grid itself
  QString done = QString("Queued %1 runs, tagged %2");
  try {
    if (array) {
      std::vector<std::pair<std::string, std::string>> experiments;
      for (const auto& cell : plan.cells)
        experiments.emplace_back(cell.config.value("name", std::string("ablation")), cell.config.dump(2));
      ablation_runs_ = queue_->enqueue_array(experiments, {tag}, target);
      done = QString("Submitting %1 runs to ") + QString::fromStdString(target) + " as one Slurm job array, tagged %2";
    } else {
      for (const auto& cell : plan.cells)
        ablation_runs_.push_back(
            queue_->enqueue(cell.config.value("name", std::string("ablation")), cell.config.dump(2), {tag}, target));
    }
  } catch (const std::exception& e) {
    statusBar()->showMessage(QString("Queueing the grid stopped: ") + e.what());
  }
  if (!ablation_runs_.empty()) last_started_ = ablation_runs_.back();
  statusBar()->showMessage(done.arg(ablation_runs_.size()).arg(QString::fromStdString(tag)), 8000);
  handle(queue_->fill_slots());
  refresh();
  run_list_->select_runs(ablation_runs_);  // the chart overlays the whole grid as it trains
}

void MainWindow::handle(const QueueEvents& ev) {
  // Ended first: a started run may reuse an ended one's descriptor number.
  for (int64_t id : ev.ended) run_ended(id);
  for (int64_t id : ev.started) {
    if (const int fd = queue_->stream_fd(id); fd >= 0) {
      auto* n = new QSocketNotifier(fd, QSocketNotifier::Read, this);
      connect(n, &QSocketNotifier::activated, this, [this, id] { pump(id, true); });
      notifiers_[id] = n;
    }
  }
  // Never restarted while running: a chatty run must not postpone noticing another's end.
  if (!queue_->busy())
    poll_timer_->stop();
  else if (!poll_timer_->isActive())
    poll_timer_->start();
  if (!ev.started.empty() || !ev.ended.empty())
    refresh();
  else if (ev.applied > 0)
    schedule_refresh();
  if (closing_ && queue_->active_runs().empty()) QTimer::singleShot(0, this, &QWidget::close);
}

void MainWindow::resume_selected() {
  const RunRow* r = cached_run(run_list_->selected_run());
  if (!r || is_live(r->status) || r->status == RunStatus::Completed || queue_->is_active(r->id) ||
      queue_->is_queued(r->id) || deleting_.count(r->id))
    return;
  if (!QDir(QString::fromStdString(r->run_dir)).exists()) {
    statusBar()->showMessage("Cannot resume the run: its directory " + QString::fromStdString(r->run_dir) +
                             " is gone.");
    return;
  }
  queue_->enqueue_resume(r->id);
  handle(queue_->fill_slots());
  refresh();
}

void MainWindow::reconnect_selected() {
  const int64_t id = run_list_->selected_run();
  if (!queue_->reconnect_now(id)) return;
  statusBar()->showMessage("Reconnecting: the host may ask a one-time code.");
}

void MainWindow::fetch_selected() {
  const RunRow* r = cached_run(run_list_->selected_run());
  if (!r || r->target_host.empty() || deleting_.count(r->id)) return;
  const auto host = store_->host(r->target_host);
  if (!host) {
    statusBar()->showMessage("Cannot fetch: the run's host " + QString::fromStdString(r->target_host) +
                             " is not in the store any more (Hosts tab)");
    return;
  }
  try {
    if (fetcher_->fetch(*r, endpoint_of(*host, options_.known_hosts.toStdString())))
      statusBar()->showMessage(QString::fromStdString(r->name) + ": connecting to " + QString::fromStdString(host->name) + "...");
  } catch (const std::exception& e) {
    statusBar()->showMessage(QString("Cannot fetch: ") + e.what());
  }
  update_run_buttons();
}

void MainWindow::duplicate_selected() {
  const RunRow* r = cached_run(run_list_->selected_run());
  if (!r) return;
  const RunRow copy = *r;  // queue_run refreshes the list r points into
  queue_run(copy.experiment, copy.config_json, copy.tags, "Cannot duplicate the run: ");
}

void MainWindow::derive_from_selected(const QString& nothing_selected,
                                      const std::function<nlohmann::json(const RunRow&)>& experiment,
                                      const std::function<QString(const QString&)>& message) {
  const RunRow* r = cached_run(run_list_->selected_run());
  if (!r) {
    statusBar()->showMessage(nothing_selected);
    return;
  }
  // The new experiment goes into the editor; Run starts it.
  editor_->set_text(QString::fromStdString(experiment(*r).dump(2)));
  tabs_->setCurrentWidget(editor_);
  statusBar()->showMessage(message(QString::fromStdString(r->name)));
}

void MainWindow::continue_selected(Stage stage) {
  derive_from_selected(
      "Select the run to continue from.", [stage](const RunRow& r) { return continue_from(r, stage); },
      [stage](const QString& name) { return QString("A %1 stage from %2: set its section, then Run.").arg(name_of(stage), name); });
}

void MainWindow::distill_selected() {
  derive_from_selected("Select the run to distil (the teacher).", distill_from, [](const QString& name) {
    return QString("A student of %1, half its width and depth, distilled by forward KL: edit the model and the "
                   "distill section, then Run.")
        .arg(name);
  });
}

void MainWindow::quantize_selected() {
  derive_from_selected("Select the run to quantize.", quantize_from, [](const QString& name) {
    return QString("A quantization-aware fine-tune of %1 (int4 weights, groups of 32): edit the quant section, then "
                   "Run; export it on its grid with Run > Export.")
        .arg(name);
  });
}

void MainWindow::prune_selected() {
  derive_from_selected("Select the run to prune.", prune_from, [](const QString& name) {
    return QString("%1 with its FFNs pruned to half their width by weight magnitude, then a recovery fine-tune: "
                   "edit the widths (model.ffn_hidden, model.moe.expert_hidden), then Run.")
        .arg(name);
  });
}

void MainWindow::export_selected() {
  const RunRow* r = cached_run(run_list_->selected_run());
  if (!r) {
    statusBar()->showMessage("Select the run to export.");
    return;
  }
  if (export_dialog_) export_dialog_->deleteLater();
  export_dialog_ = new ExportDialog(*r, options_.runner_path, QString::fromStdString(store_->path()), this);
  export_dialog_->setAttribute(Qt::WA_DeleteOnClose, false);
  connect(export_dialog_, &ExportDialog::exported, this,
          [this](const QString& path) { statusBar()->showMessage("Exported " + path); });
  export_dialog_->show();
}

void MainWindow::compare_compression_of_selected() {
  const int64_t id = run_list_->selected_run();
  const auto& runs = context_->runs();
  const auto it = std::find_if(runs.begin(), runs.end(), [id](const RunRow& r) { return r.id == id; });
  if (it == runs.end()) {
    statusBar()->showMessage("Select a run of the lineage to compare.");
    return;
  }
  if (compression_view_) compression_view_->deleteLater();
  compression_view_ = new CompressionView(runs, size_t(it - runs.begin()), options_.runner_path, this);
  compression_view_->show();
}

void MainWindow::delete_selected() {
  const RunRow* r = cached_run(run_list_->selected_run());
  if (!r || deleting_.count(r->id)) return;
  // Copies: the question below runs an event loop, whose refreshes replace the listed rows.
  const int64_t id = r->id;
  const QString name = QString::fromStdString(r->name), dir = QString::fromStdString(r->run_dir);
  const std::string target = r->target_host, remote_dir = r->remote_dir;
  auto busy = [&] { return queue_->is_active(id) || queue_->is_queued(id); };
  if (busy()) {
    statusBar()->showMessage("Stop the run before deleting it.");
    return;
  }
  if (fetcher_->busy(id)) {
    statusBar()->showMessage("A checkpoint of the run is being fetched; delete it when the fetch has ended.");
    return;
  }
  const QString where = target.empty() ? dir : dir + "\nand on " + QString::fromStdString(target + ": " + remote_dir);
  if (!confirm_(QString("Delete %1 and its run directory?\n%2\n\nIts metrics, checkpoints and logs are removed; "
                        "this cannot be undone.")
                    .arg(name, where)))
    return;
  if (deleting_.count(id)) return;  // deleted while the question was open
  if (busy()) {  // queued or resumed while the question was open
    statusBar()->showMessage("Stop the run before deleting it.");
    return;
  }
  if (target.empty()) return finish_delete(id, name, dir);
  // The node's copy first: a refusal there (a live runner, a host gone) keeps everything.
  remote::SshEndpoint endpoint;
  try {
    const auto host = store_->host(target);
    if (!host) throw std::runtime_error("its host " + target + " is not in the store any more");
    endpoint = endpoint_of(*host, options_.known_hosts.toStdString());
  } catch (const std::exception& e) {
    statusBar()->showMessage(QString("Deleting the run failed: ") + e.what());
    return;
  }
  deleting_.insert(id);
  update_run_buttons();
  statusBar()->showMessage("Deleting " + name + ": removing " + QString::fromStdString(remote_dir) + " on " +
                           QString::fromStdString(target) + "...");
  QPointer<MainWindow> self(this);
  std::thread([self, endpoint, remote_dir, id, name, dir] {
    std::string error;
    try {
      const auto ssh = app_ssh_pool()->session(endpoint, ssh_prompts());
      delete_remote_run_dir(*ssh, remote_dir);
    } catch (const std::exception& e) {
      error = e.what();
    }
    QMetaObject::invokeMethod(
        qApp,
        [self, id, name, dir, error] {
          if (!self) return;
          self->deleting_.erase(id);
          if (error.empty()) {
            self->finish_delete(id, name, dir);
          } else {
            self->statusBar()->showMessage("Deleting " + name + " failed: " + QString::fromStdString(error));
            self->update_run_buttons();
          }
          if (self->closing_ && self->deleting_.empty()) QTimer::singleShot(0, self.data(), &QWidget::close);
        },
        Qt::QueuedConnection);
  }).detach();
}

void MainWindow::finish_delete(int64_t id, const QString& name, const QString& dir) {
  try {
    store_->delete_run(id);
  } catch (const std::exception& e) {
    statusBar()->showMessage(QString("Deleting the run failed: ") + e.what());
    update_run_buttons();
    return;
  }
  context_->run_removed(id);  // the viewers drop what they cached of it
  const bool removed = dir.isEmpty() || !QDir(dir).exists() || QDir(dir).removeRecursively();
  statusBar()->showMessage(removed ? "Deleted " + name
                                   : "Deleted " + name + " from the store; could not remove " + dir);
  refresh();
}

void MainWindow::show_run_annotations() {
  const RunRow* r = cached_run(run_list_->selected_run());
  QStringList tags;
  if (r)
    for (const auto& t : r->tags) tags << QString::fromStdString(t);
  tags_edit_->setText(tags.join(", "));
  notes_edit_->setText(r ? QString::fromStdString(r->notes) : QString());
  tags_edit_->setEnabled(r != nullptr);
  notes_edit_->setEnabled(r != nullptr);
}

void MainWindow::save_run_annotations() {
  const RunRow* r = cached_run(run_list_->selected_run());
  if (!r) return;
  std::vector<std::string> tags;
  for (const QString& t : tags_edit_->text().split(',', Qt::SkipEmptyParts))
    if (!t.trimmed().isEmpty()) tags.push_back(t.trimmed().toStdString());
  const std::string notes = notes_edit_->text().trimmed().toStdString();
  if (tags == r->tags && notes == r->notes) return;
  try {
    store_->set_tags(r->id, tags);
    store_->set_notes(r->id, notes);
  } catch (const std::exception& e) {
    statusBar()->showMessage(QString("Saving the run's tags failed: ") + e.what());
    return;
  }
  refresh_runs();
}

void MainWindow::update_run_buttons() {
  const RunRow* r = cached_run(run_list_->selected_run());
  const bool mine = r && (queue_->is_active(r->id) || queue_->is_queued(r->id));
  const bool deleting = r && deleting_.count(r->id);
  resume_button_->setEnabled(r && !mine && !deleting && !is_live(r->status) && r->status != RunStatus::Completed &&
                             r->status != RunStatus::Queued);
  delete_button_->setEnabled(r && !mine && !deleting);
  if (QAction* fetch = action("fetch"))
    fetch->setEnabled(r && !r->target_host.empty() && !fetcher_->busy(r->id) && !deleting);
  if (QAction* reconnect = action("reconnect"))
    reconnect->setEnabled(r && queue_->is_active(r->id) && r->status == RunStatus::Unreachable);
  duplicate_button_->setEnabled(r != nullptr);
  derive_button_->setEnabled(r != nullptr);
  editor_->set_stop_enabled(mine);
}

void MainWindow::stop_run() {
  const int64_t id = run_list_->selected_run();
  const bool active = queue_->is_active(id);
  if (!queue_->stop(id)) return;
  statusBar()->showMessage(active ? "Stopping: the runner writes a checkpoint, then exits."
                                  : "Removed the run from the queue.");
  refresh();
}

void MainWindow::pump(int64_t run_id, bool from_notifier) {
  QueueEvents ev;
  try {
    ev = queue_->pump(run_id);
  } catch (const std::exception& e) {
    statusBar()->showMessage(QString("Reading a run's stream failed: ") + e.what());
  }
  // A readable descriptor that yields no whole record is at end of file (the process is
  // exiting) or holds half a record: let the slow timer poll instead of spinning on it.
  if (from_notifier) {
    if (auto it = notifiers_.find(run_id); it != notifiers_.end()) it->second->setEnabled(ev.applied > 0);
  } else {
    for (auto& [id, n] : notifiers_) n->setEnabled(true);
  }
  handle(ev);
}

void MainWindow::run_ended(int64_t id) {
  if (auto it = notifiers_.find(id); it != notifiers_.end()) {
    delete it->second;
    notifiers_.erase(it);
  }
  const auto r = store_->run(id);
  if (r) {
    const QString name = QString::fromStdString(r->name), status = QString(status_name(r->status));
    const bool failed = r->status == RunStatus::Failed;
    QString body;
    if (failed) {
      body = QString::fromStdString(r->message);
      // The failure's last words: the run's final log lines (the runner's stderr tail is in the message).
      const auto logs = store_->logs(id, 0);
      QStringList tail;
      for (size_t i = logs.size() > 5 ? logs.size() - 5 : 0; i < logs.size(); ++i)
        tail << QString::fromStdString(logs[i].text);
      if (!tail.isEmpty()) body += "\nlast log lines:\n" + tail.join("\n");
    } else {
      body = QString("step %1 of %2").arg(r->last_step).arg(r->total_steps);
      if (r->started_at > 0 && r->finished_at > r->started_at)
        body += QString::fromStdString(" in " + format_duration(r->finished_at - r->started_at));
    }
    notifier_->notify(name + " " + status, body, failed);
    statusBar()->showMessage(name + " " + status, 10000);
  }
  update_throughput();
  force_results_ = true;  // a finished run's final values belong in the table now
  emit run_finished(id);
}

void MainWindow::update_throughput() {
  try {
    editor_->set_throughput(measured_throughput(*store_, host_name()));
  } catch (const std::exception& e) {
    statusBar()->showMessage(QString("Reading the store failed: ") + e.what());
  }
}

}  // namespace r1wb::views
