// `r1wb-run ingest DIR --store DB`: a run directory's event log into a store, idempotently.
#include "core/config/config.h"
#include "core/paths.h"
#include "core/store/store.h"
#include "core/wire/event_log.h"
#include "gpu/cli/cli_args.h"
#include "gpu/cli/commands.h"

#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;

namespace r1wb::gpu {
namespace {

const char* kIngestUsage =
    "usage: r1wb-run ingest DIR --store DB\n"
    "\n"
    "Ingests DIR/events.log into DB. Records the store already holds are skipped, so it\n"
    "can be run any number of times. A run is known by the run id in its log, not by DIR: a\n"
    "directory emptied and trained again becomes a new run. Damage in the log is skipped and\n"
    "every intact record after it is ingested; each damaged stretch is reported with its bytes\n"
    "and the records it cost, and the exit code is 4 when anything was lost.\n";

}  // namespace

int cmd_ingest(const std::vector<std::string>& args) {
  if (wants_help(args)) {
    std::cout << kIngestUsage;
    return kExitOk;
  }
  std::string err;
  auto a = parse_args(args, {"store"}, {}, err);
  if (!a) return usage_error(err, kIngestUsage);
  if (a->positional.size() != 1) return usage_error("ingest takes one run directory", kIngestUsage);
  if (!a->options.count("store")) return usage_error("ingest needs --store DB", kIngestUsage);
  const auto dir = absolute_path(a->positional[0]);
  const auto log = fs::path(dir) / "events.log";
  if (!fs::exists(log)) {
    std::cerr << "error: " << log.string() << " does not exist\n";
    return kExitFailure;
  }
  try {
    const auto contents = read_event_log(log.string());
    for (const auto& d : contents.damage) std::cerr << "error: " << log.string() << ": " << d.describe() << "\n";
    Store store(a->options["store"]);
    int64_t run_id;
    if (auto row = store.run_of_log(run_uid_of(contents.records), dir, began_with_run_uid(contents.records))) {
      run_id = row->id;
    } else {
      auto cfg = load_experiment_file((fs::path(dir) / "config.json").string());
      const std::string name = cfg.ok() ? cfg.experiment.name : fs::path(dir).filename().string();
      run_id =
          store.create_run(store.next_run_name(name), name, cfg.ok() ? cfg.resolved.dump() : "{}", dir, host_name());
    }
    auto res = store.ingest(run_id, contents.records, contents.lost_seqs());
    auto row = store.run(run_id);
    std::cout << "ingested " << res.applied << " new records (" << res.skipped << " already held";
    if (res.lost) std::cout << ", " << res.lost << " lost to damage";
    std::cout << ") into run " << row->name << " of " << a->options["store"] << "\n";
    if (res.gap) {
      std::cerr << "error: the store holds records this log lacks\n";
      return kExitFailure;
    }
    if (!contents.clean()) {
      std::cerr << "error: " << log.string() << " is damaged: " << contents.damage.size()
                << " stretch(es) skipped, every intact record ingested\n";
      return kExitDataLost;
    }
    return kExitOk;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kExitFailure;
  }
}

}  // namespace r1wb::gpu
