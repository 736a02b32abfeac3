// A stand-in for a checkout of the workbench on a host, for the tests of installing the runner
// from the app and r1wb-ctl: its scripts/install-runner.sh prints build-like lines over a moment
// and "installs" the runner the tests built (a symlink into PREFIX/bin), or fails with the given
// exit code after printing an error. The real script builds for minutes; what is tested is that
// it runs on the host with its output passed on, and what becomes of the host's runner.
#pragma once
#include <filesystem>
#include <fstream>
#include <string>

namespace r1wb::testing {

inline void write_stub_checkout(const std::filesystem::path& checkout, const std::string& runner, int exit_code = 0) {
  namespace fs = std::filesystem;
  fs::create_directories(checkout / "scripts");
  std::ofstream(checkout / "scripts" / "install-runner.sh")
      << "#!/usr/bin/env bash\nset -eu\nprefix=\"$1\"\necho \"install-runner: building in $PWD\"\n"
      << "for i in 1 2 3; do echo \"[$i/3] compiling\"; sleep 0.1; done\n"
      << (exit_code != 0 ? "echo 'error: no LibTorch found' >&2\nexit " + std::to_string(exit_code) + "\n" : "")
      << "mkdir -p \"$prefix/bin\"\nln -sf '" << runner << "' \"$prefix/bin/r1wb-run\"\n"
      << "echo \"install-runner: installed $prefix/bin/r1wb-run\"\n";
}

}  // namespace r1wb::testing
