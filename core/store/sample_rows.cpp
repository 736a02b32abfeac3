#include "core/store/sample_rows.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <cstring>

namespace r1wb {
namespace {

constexpr const char* kColumns =
    "step, grp, idx, prompt, completion, reward, advantage, truncated, components, tokens, logprobs, entropy";

template <class T>
std::vector<T> blob_values(sqlite3_stmt* s, int c) {
  const int n = sqlite3_column_bytes(s, c);
  std::vector<T> out(size_t(n) / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), sqlite3_column_blob(s, c), out.size() * sizeof(T));
  return out;
}

std::string text_of(sqlite3_stmt* s, int c) {
  const auto* t = sqlite3_column_text(s, c);
  return t ? reinterpret_cast<const char*>(t) : "";
}

std::vector<SampleRow> query(Store& store, const std::string& where, int64_t run_id, int64_t step,
                             const std::string* prompt) {
  sqlite3_stmt* s = nullptr;
  const std::string sql = std::string("SELECT ") + kColumns + " FROM samples WHERE run_id = ? AND " + where;
  if (sqlite3_prepare_v2(store.handle(), sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
    throw StoreError(std::string("store: ") + sqlite3_errmsg(store.handle()));
  sqlite3_bind_int64(s, 1, run_id);
  if (prompt)
    sqlite3_bind_text(s, 2, prompt->data(), int(prompt->size()), SQLITE_TRANSIENT);
  else
    sqlite3_bind_int64(s, 2, step);
  std::vector<SampleRow> out;
  while (sqlite3_step(s) == SQLITE_ROW) {
    SampleRow r;
    r.step = sqlite3_column_int64(s, 0);
    r.group = sqlite3_column_int(s, 1);
    r.index = sqlite3_column_int(s, 2);
    r.prompt = text_of(s, 3);
    r.completion = text_of(s, 4);
    r.reward = sqlite3_column_double(s, 5);
    r.advantage = sqlite3_column_double(s, 6);
    r.truncated = sqlite3_column_int(s, 7) != 0;
    const auto components = nlohmann::json::parse(text_of(s, 8), nullptr, false);
    if (components.is_object())
      for (auto it = components.begin(); it != components.end(); ++it)
        if (it.value().is_number()) r.components.emplace_back(it.key(), it.value().get<double>());
    r.tokens = blob_values<int32_t>(s, 9);
    r.logprobs = blob_values<float>(s, 10);
    r.entropy = blob_values<float>(s, 11);
    out.push_back(std::move(r));
  }
  sqlite3_finalize(s);
  return out;
}

}  // namespace

double SampleRow::component(const std::string& name) const {
  for (const auto& [n, v] : components)
    if (n == name) return v;
  return 0;
}

std::vector<int64_t> sample_steps(Store& store, int64_t run_id) {
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(store.handle(), "SELECT DISTINCT step FROM samples WHERE run_id = ? ORDER BY step", -1, &s,
                     nullptr);
  sqlite3_bind_int64(s, 1, run_id);
  std::vector<int64_t> out;
  while (sqlite3_step(s) == SQLITE_ROW) out.push_back(sqlite3_column_int64(s, 0));
  sqlite3_finalize(s);
  return out;
}

std::vector<SampleRow> samples_at(Store& store, int64_t run_id, int64_t step) {
  return query(store, "step = ? ORDER BY idx", run_id, step, nullptr);
}

std::vector<SampleRow> samples_of_prompt(Store& store, int64_t run_id, const std::string& prompt) {
  return query(store, "prompt = ? ORDER BY step, idx", run_id, 0, &prompt);
}

}  // namespace r1wb
