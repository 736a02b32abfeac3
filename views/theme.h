// One look on every desktop: the Fusion style with a light, neutral palette, so the app
// and its screenshots read the same under GNOME, KDE, a bare X server or Xvfb.
#pragma once

class QApplication;

namespace r1wb::views {

//! Applies the workbench style and palette to the whole application.
void apply_workbench_theme(QApplication& app);

}  // namespace r1wb::views
