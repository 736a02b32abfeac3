// One look on every desktop: the Fusion style with a light or a dark neutral palette, so the
// app and its screenshots read the same under GNOME, KDE, a bare X server or Xvfb. Views
// take their colours from the palette (charts, ImGui panels), so a theme switch repaints
// everything consistently.
#pragma once
#include <QString>

class QApplication;
class QLabel;
class QWidget;

namespace r1wb::views {

enum class Theme { Light, Dark };

//! Applies the workbench style and the theme's palette to the whole application.
void apply_workbench_theme(QApplication& app, Theme theme = Theme::Light);
//! "dark" or "light" (anything else is light).
Theme theme_from_name(const QString& name);
QString theme_name(Theme theme);
//! A panel's heading ("Runs", "Metrics", "Log"): the label font in bold.
QLabel* section_title(const QString& text, QWidget* parent);

}  // namespace r1wb::views
