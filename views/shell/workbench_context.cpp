#include "views/shell/workbench_context.h"

#include <algorithm>
#include <exception>

namespace r1wb::views {

WorkbenchContext::WorkbenchContext(Store& store, RunQueue& queue, QObject* parent)
    : QObject(parent), store_(store), queue_(queue) {}

const RunRow* WorkbenchContext::run(int64_t id) const {
  for (const auto& r : runs_)
    if (r.id == id) return &r;
  return nullptr;
}

QString WorkbenchContext::run_name(int64_t id) const {
  const RunRow* r = run(id);
  return r ? QString::fromStdString(r->name) : QString::number(id);
}

template <class F>
void WorkbenchContext::tell(Viewer& viewer, F&& f) {
  try {
    f(viewer);
  } catch (const std::exception& e) {
    emit store_failed(QString("Reading the store failed: ") + e.what());
  }
}

void WorkbenchContext::select(Selection selection) {
  if (selection == selection_) return;
  selection_ = std::move(selection);
  // A copy: a viewer may add or remove viewers while it is told.
  for (Viewer* v : std::vector<Viewer*>(viewers_)) tell(*v, [this](Viewer& w) { w.selection_changed(selection_); });
}

void WorkbenchContext::records_arrived() {
  ++ticks_;
  for (Viewer* v : std::vector<Viewer*>(viewers_)) tell(*v, [this](Viewer& w) { w.records_arrived(selection_); });
}

void WorkbenchContext::run_removed(int64_t run_id) {
  for (Viewer* v : std::vector<Viewer*>(viewers_)) tell(*v, [run_id](Viewer& w) { w.run_removed(run_id); });
}

void WorkbenchContext::refresh(Viewer& viewer) {
  tell(viewer, [this](Viewer& w) { w.records_arrived(selection_); });
}

void WorkbenchContext::add_viewer(Viewer* viewer) {
  if (viewer && std::find(viewers_.begin(), viewers_.end(), viewer) == viewers_.end()) viewers_.push_back(viewer);
}

void WorkbenchContext::remove_viewer(Viewer* viewer) {
  viewers_.erase(std::remove(viewers_.begin(), viewers_.end(), viewer), viewers_.end());
}

}  // namespace r1wb::views
