#include "core/slurm/slurm_options.h"

#include <nlohmann/json.hpp>

#include <regex>
#include <sstream>

namespace r1wb::slurm {

std::string to_json(const SlurmOptions& o) {
  return nlohmann::json{{"partition", o.partition}, {"account", o.account},         {"time", o.time},
                        {"mem", o.mem},             {"gpus", o.gpus},               {"cpus_per_task", o.cpus_per_task},
                        {"extra", o.extra},         {"signal_lead_s", o.signal_lead_s}, {"stop_grace_s", o.stop_grace_s},
                        {"nodes", o.nodes},         {"tasks_per_node", o.tasks_per_node}}
      .dump();
}

std::optional<SlurmOptions> options_from_json(const std::string& text, std::string& error) {
  SlurmOptions o;
  try {
    const auto j = nlohmann::json::parse(text);
    if (!j.is_object()) throw std::runtime_error("not an object");
    o.partition = j.value("partition", "");
    o.account = j.value("account", "");
    o.time = j.value("time", "");
    o.mem = j.value("mem", "");
    o.gpus = j.value("gpus", 0);
    o.cpus_per_task = j.value("cpus_per_task", 0);
    o.extra = j.value("extra", std::vector<std::string>{});
    o.signal_lead_s = j.value("signal_lead_s", 120);
    o.stop_grace_s = j.value("stop_grace_s", 60);
    o.nodes = j.value("nodes", 1);
    o.tasks_per_node = j.value("tasks_per_node", 1);
  } catch (const std::exception& e) {
    error = std::string("slurm: ") + e.what();
    return std::nullopt;
  }
  error = validate(o);
  if (!error.empty()) return std::nullopt;
  return o;
}

std::string validate(const SlurmOptions& o) {
  const auto bad = [](const std::string& field, const std::string& value, const std::string& expected) {
    return "slurm." + field + ": '" + value + "' is not " + expected;
  };
  static const std::regex name(R"([A-Za-z0-9_.,+-]*)"), time(R"((\d+-)?\d+(:\d+){0,2}|)"),
      mem(R"((\d+[KMGT]?)?)"), extra(R"(--[a-z][a-z-]*(=[A-Za-z0-9_.,:@+/=%-]+)?)");
  if (!std::regex_match(o.partition, name)) return bad("partition", o.partition, "a partition name ([A-Za-z0-9_.,+-])");
  if (!std::regex_match(o.account, name)) return bad("account", o.account, "an account name ([A-Za-z0-9_.,+-])");
  if (!std::regex_match(o.time, time)) return bad("time", o.time, "a Slurm time (MM, HH:MM:SS or D-HH:MM:SS)");
  if (!std::regex_match(o.mem, mem)) return bad("mem", o.mem, "a memory size (digits, then K, M, G or T)");
  if (o.gpus < 0 || o.gpus > 64) return bad("gpus", std::to_string(o.gpus), "a GPU count from 0 to 64");
  if (o.cpus_per_task < 0 || o.cpus_per_task > 1024)
    return bad("cpus_per_task", std::to_string(o.cpus_per_task), "a CPU count from 0 to 1024");
  if (o.nodes < 1 || o.nodes > 4096) return bad("nodes", std::to_string(o.nodes), "a node count from 1 to 4096");
  if (o.tasks_per_node < 1 || o.tasks_per_node > 256)
    return bad("tasks_per_node", std::to_string(o.tasks_per_node), "a count of ranks per node from 1 to 256");
  if (o.signal_lead_s < 10 || o.signal_lead_s > 65535)
    return bad("signal_lead_s", std::to_string(o.signal_lead_s), "10 to 65535 seconds (Slurm's --signal@ range)");
  if (o.stop_grace_s < 1 || o.stop_grace_s > 86400)
    return bad("stop_grace_s", std::to_string(o.stop_grace_s), "1 to 86400 seconds");
  for (const auto& e : o.extra)
    if (!std::regex_match(e, extra))
      return bad("extra", e, "one sbatch option as --name or --name=value (no spaces, quotes or shell characters)");
  return {};
}

std::string set_option(SlurmOptions& o, const std::string& key_value) {
  const auto eq = key_value.find('=');
  if (eq == std::string::npos) return "--slurm '" + key_value + "': expected key=value";
  const std::string key = key_value.substr(0, eq), value = key_value.substr(eq + 1);
  const auto integer = [&](int& field) -> std::string {
    try {
      size_t used = 0;
      field = std::stoi(value, &used);
      if (used != value.size()) throw std::invalid_argument(value);
      return {};
    } catch (const std::exception&) {
      return "slurm." + key + ": '" + value + "' is not an integer";
    }
  };
  SlurmOptions changed = o;
  std::string err;
  if (key == "partition") changed.partition = value;
  else if (key == "account") changed.account = value;
  else if (key == "time") changed.time = value;
  else if (key == "mem") changed.mem = value;
  else if (key == "extra") changed.extra.push_back(value);
  else if (key == "gpus") err = integer(changed.gpus);
  else if (key == "cpus_per_task") err = integer(changed.cpus_per_task);
  else if (key == "signal_lead_s") err = integer(changed.signal_lead_s);
  else if (key == "stop_grace_s") err = integer(changed.stop_grace_s);
  else if (key == "nodes") err = integer(changed.nodes);
  else if (key == "tasks_per_node") err = integer(changed.tasks_per_node);
  else
    return "--slurm: unknown key '" + key +
           "' (expected partition, account, time, mem, gpus, cpus_per_task, nodes, tasks_per_node, extra, "
           "signal_lead_s, stop_grace_s)";
  if (err.empty()) err = validate(changed);
  if (err.empty()) o = changed;
  return err;
}

std::string set_options(SlurmOptions& o, const std::string& words) {
  SlurmOptions changed = o;
  std::istringstream in(words);
  for (std::string kv; in >> kv;)
    if (kv != "-")
      if (auto problem = set_option(changed, kv); !problem.empty()) return problem;
  o = changed;
  return {};
}

std::string to_words(const SlurmOptions& o) {
  const SlurmOptions d;
  std::string out;
  const auto add = [&](const std::string& key, const std::string& value) { out += (out.empty() ? "" : " ") + key + "=" + value; };
  if (o.partition != d.partition) add("partition", o.partition);
  if (o.account != d.account) add("account", o.account);
  if (o.time != d.time) add("time", o.time);
  if (o.mem != d.mem) add("mem", o.mem);
  if (o.gpus != d.gpus) add("gpus", std::to_string(o.gpus));
  if (o.cpus_per_task != d.cpus_per_task) add("cpus_per_task", std::to_string(o.cpus_per_task));
  if (o.nodes != d.nodes) add("nodes", std::to_string(o.nodes));
  if (o.tasks_per_node != d.tasks_per_node) add("tasks_per_node", std::to_string(o.tasks_per_node));
  for (const auto& e : o.extra) add("extra", e);
  if (o.signal_lead_s != d.signal_lead_s) add("signal_lead_s", std::to_string(o.signal_lead_s));
  if (o.stop_grace_s != d.stop_grace_s) add("stop_grace_s", std::to_string(o.stop_grace_s));
  return out.empty() ? "-" : out;
}

}  // namespace r1wb::slurm
