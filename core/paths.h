// Default locations (XDG) and host facts shared by the app and the runner.
#pragma once
#include <string>

namespace r1wb {
//! $XDG_DATA_HOME/r1wb (or ~/.local/share/r1wb), created if missing.
std::string default_data_dir();
//! <data dir>/workbench.db
std::string default_store_path();
//! <data dir>/runs
std::string default_runs_dir();
std::string host_name();
//! Absolute, normalised form of a path (the file need not exist).
std::string absolute_path(const std::string& path);
//! Last lines of a text file, for failure messages; empty if unreadable.
std::string tail_lines(const std::string& path, int lines);
//! Seconds since the Unix epoch (record and row timestamps).
double wall_clock_seconds();
}  // namespace r1wb
