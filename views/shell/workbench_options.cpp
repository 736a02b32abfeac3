#include "views/shell/workbench_options.h"

#include "core/jobs/host_endpoint.h"
#include "core/paths.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>

#ifndef R1WB_SOURCE_DIR
#define R1WB_SOURCE_DIR "."
#endif

namespace r1wb::views {

QString default_experiment_path(const QString& app_dir) {
  const QString beside = QDir(app_dir).absoluteFilePath("../../experiments/tiny-moe.json");
  if (QFileInfo::exists(beside)) return QDir::cleanPath(beside);
  return QStringLiteral(R1WB_SOURCE_DIR "/experiments/tiny-moe.json");
}

ParsedOptions parse_workbench_args(const QStringList& args, const QString& app_dir) {
  QCommandLineParser parser;
  parser.setApplicationDescription("R1 Workbench: edit an experiment, run it, watch it train.");
  const QCommandLineOption help({"h", "help"}, "Show this help.");
  // Defaults are named, not computed: computing them creates the data directory.
  const QCommandLineOption store("store", "SQLite store (default: $XDG_DATA_HOME/r1wb/workbench.db).", "DB");
  const QCommandLineOption runs("runs-dir", "Where run directories go (default: $XDG_DATA_HOME/r1wb/runs).", "DIR");
  const QCommandLineOption experiment("experiment", "Experiment JSON opened in the editor.", "FILE");
  const QCommandLineOption known_hosts("known-hosts", "Host keys remote runs are checked against (default: ~/.ssh/known_hosts).",
                                       "FILE");
  // Qt's own options, consumed later by QApplication, pass through untouched.
  QCommandLineOption platform("platform", "Qt platform plugin.", "NAME");
  QCommandLineOption style("style", "Qt widget style.", "NAME");
  platform.setFlags(QCommandLineOption::HiddenFromHelp);
  style.setFlags(QCommandLineOption::HiddenFromHelp);
  parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
  parser.addOptions({help, store, runs, experiment, known_hosts, platform, style});

  ParsedOptions out;
  if (!parser.parse(args)) {
    out.error = parser.errorText();
    return out;
  }
  if (!parser.positionalArguments().isEmpty()) {
    out.error = "unexpected argument '" + parser.positionalArguments().front() + "'";
    return out;
  }
  if (parser.isSet(help)) {
    out.help_text = parser.helpText().replace("<executable_name>", "r1wb");
    return out;
  }
  WorkbenchOptions& o = out.options;
  o.store_path = parser.isSet(store) ? parser.value(store) : QString::fromStdString(default_store_path());
  o.runs_dir = parser.isSet(runs) ? parser.value(runs) : QString::fromStdString(default_runs_dir());
  o.experiment_path = parser.isSet(experiment) ? parser.value(experiment) : default_experiment_path(app_dir);
  o.runner_path = QDir(app_dir).absoluteFilePath("r1wb-run");
  o.known_hosts = parser.isSet(known_hosts) ? parser.value(known_hosts) : QString::fromStdString(default_known_hosts());
  return out;
}

}  // namespace r1wb::views

namespace r1wb::views {

ParsedOptions parse_workbench_args(int argc, char** argv) {
  QStringList args;
  for (int i = 0; i < argc; ++i) args << QString::fromLocal8Bit(argv[i]);
  QString exe = QFileInfo(QStringLiteral("/proc/self/exe")).symLinkTarget();
  if (exe.isEmpty() && argc > 0) exe = QFileInfo(args.front()).absoluteFilePath();
  return parse_workbench_args(args, QFileInfo(exe).absolutePath());
}

}  // namespace r1wb::views
