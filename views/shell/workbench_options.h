// What the desktop app needs to start: where the store, the runs and the runner are, and
// which experiment to open. Parsed from `r1wb [--store DB] [--runs-dir DIR]
// [--experiment FILE]` with defaults from core/paths.h, so main() only wires.
#pragma once
#include <QString>
#include <QStringList>

namespace r1wb::views {

struct WorkbenchOptions {
  QString store_path;       //!< SQLite store
  QString runs_dir;         //!< run directories are created under it
  QString runner_path;      //!< the r1wb-run executable
  QString experiment_path;  //!< experiment opened in the editor at start
  QString settings_path;    //!< ini file for the window layout and view choices; empty: QSettings' default
  QString known_hosts;      //!< host keys checked against (and trusted into): ~/.ssh/known_hosts
};

struct ParsedOptions {
  WorkbenchOptions options;
  QString error;      //!< non-empty: bad command line
  QString help_text;  //!< non-empty: --help was given; print it and exit
};

//! Parses the app's arguments (args[0] is the program). `app_dir` holds the r1wb binary;
//! the runner is expected beside it.
ParsedOptions parse_workbench_args(const QStringList& args, const QString& app_dir);

//! The same for main()'s arguments, before any QApplication exists (so --help and a bad
//! option need no display); the app's directory comes from /proc/self/exe.
ParsedOptions parse_workbench_args(int argc, char** argv);

//! The experiment opened when none is given: <app dir>/../../experiments/tiny-moe.json
//! (a build tree), else the source tree's copy.
QString default_experiment_path(const QString& app_dir);

}  // namespace r1wb::views
