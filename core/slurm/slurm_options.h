// What a run asks a Slurm cluster for: stored per host (the hosts table's slurm column, JSON;
// empty for a plain GPU node) and overridable per run (`r1wb-ctl run --slurm key=value`).
// Every value is checked before it reaches an #SBATCH line, so a name cannot smuggle an option
// or a shell word into the batch script (slurm_script.h).
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace r1wb::slurm {

struct SlurmOptions {
  std::string partition;  //!< empty: the cluster's default
  std::string account;
  std::string time;  //!< Slurm's time limit: "30", "2:00:00", "1-12:00:00"; empty: the partition's
  std::string mem;   //!< memory per node: "16G", "4000M"; empty: the cluster's default
  int gpus = 0;      //!< GPUs per node (--gres=gpu:N)
  int cpus_per_task = 0;  //!< 0: the cluster's default
  //! Data parallel over nodes x tasks_per_node ranks (srun, c10d through a TCP store on the
  //! first node); 1 x 1 runs the runner alone.
  int nodes = 1;
  int tasks_per_node = 1;
  std::vector<std::string> extra;  //!< more #SBATCH options, each one "--name[=value]" ("--qos=high")
  int signal_lead_s = 120;  //!< USR1 this long before the time limit (and on preemption): checkpoint, requeue
  int stop_grace_s = 60;    //!< stop: TERM to the batch shell, Slurm's cancel after this many seconds
};

//! The options as the store keeps them.
std::string to_json(const SlurmOptions& o);
//! Parses to_json's output; nullopt with `error` ("slurm.gpus: ...") when it is not.
std::optional<SlurmOptions> options_from_json(const std::string& text, std::string& error);
//! Empty when every value is fit for an #SBATCH line; else the first problem, naming the
//! field, the value and what was expected.
std::string validate(const SlurmOptions& o);
//! Sets one field from "key=value" (keys as the struct's fields, "extra" appends); returns the
//! problem, or empty.
std::string set_option(SlurmOptions& o, const std::string& key_value);
//! Sets each "key=value" of a space-separated list ("-" alone: the defaults), as the app's
//! host dialog and `r1wb-ctl hosts add --slurm` take them; the options change only when every
//! word is good. Returns the first problem, or empty.
std::string set_options(SlurmOptions& o, const std::string& words);
//! The options that differ from the defaults as set_options reads them ("partition=gpu gpus=1"),
//! "-" when none do.
std::string to_words(const SlurmOptions& o);

}  // namespace r1wb::slurm
