// r1wb: the desktop app. Wiring only: options, QApplication, the main window.
#include "views/shell/main_window.h"
#include "views/shell/theme.h"
#include "views/shell/workbench_options.h"

#include <QApplication>

#include <cstdio>

int main(int argc, char** argv) {
  const auto parsed = r1wb::views::parse_workbench_args(argc, argv);  // before Qt wants a display
  if (!parsed.help_text.isEmpty()) {
    std::fputs(parsed.help_text.toLocal8Bit().constData(), stdout);
    return 0;
  }
  if (!parsed.error.isEmpty()) {
    std::fprintf(stderr, "r1wb: %s (try --help)\n", parsed.error.toLocal8Bit().constData());
    return 2;
  }
  QApplication app(argc, argv);
  QApplication::setApplicationName("R1 Workbench");
  r1wb::views::apply_workbench_theme(app);
  QString error;
  auto window = r1wb::views::MainWindow::open(parsed.options, &error);
  if (!window) {  // a window that says so and lets the user pick another store, not an exit
    std::fprintf(stderr, "r1wb: cannot open the store %s: %s\n", parsed.options.store_path.toLocal8Bit().constData(),
                 error.toLocal8Bit().constData());
    window = r1wb::views::MainWindow::open_without_store(parsed.options, error);
    if (!window) return 1;
  }
  window->show();
  return app.exec();
}
