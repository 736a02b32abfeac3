#include "gpu/data/token_cache.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace r1wb::gpu {
namespace {

// What the cache was built from; a different value means it is stale.
nlohmann::json describe(const std::vector<std::string>& files, const Tokenizer& tokenizer) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& f : files) {
    const auto mtime = fs::last_write_time(f).time_since_epoch().count();
    list.push_back({{"path", fs::absolute(f).string()}, {"bytes", fs::file_size(f)}, {"mtime", int64_t(mtime)}});
  }
  return {{"format", 1}, {"files", list}, {"tokenizer", tokenizer.fingerprint()}};
}

bool cache_matches(const std::string& dir, const nlohmann::json& want) {
  std::ifstream f(dir + "/meta.json");
  if (!f) return false;
  try {
    return nlohmann::json::parse(f) == want;
  } catch (const nlohmann::json::exception&) {
    return false;  // a torn or foreign meta.json: rebuild
  }
}

std::string fmt(const char* format, double a, double b = 0, double c = 0, double d = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, format, a, b, c, d);
  return buf;
}

void build(const std::vector<std::string>& files, const Tokenizer& tokenizer, const std::string& dir,
           const nlohmann::json& meta, const Log& log) {
  fs::create_directories(dir);
  fs::remove(dir + "/meta.json");  // the cache is invalid until the new meta lands last
  uint64_t total_bytes = 0;
  for (const auto& f : files) total_bytes += fs::file_size(f);
  std::ofstream tokens(dir + "/tokens.u32.tmp", std::ios::binary | std::ios::trunc);
  std::ofstream docs(dir + "/docs.u64.tmp", std::ios::binary | std::ios::trunc);
  uint64_t n_tokens = 0, done_bytes = 0, n_docs = 0;
  docs.write(reinterpret_cast<const char*>(&n_tokens), sizeof n_tokens);
  const auto start = std::chrono::steady_clock::now();
  auto last_report = start;
  const int64_t end_id = tokenizer.document_end();
  std::vector<uint32_t> ids32;
  DocumentReader reader(files);
  std::string doc;
  while (reader.next(doc)) {
    const auto ids = tokenizer.encode(doc);
    ids32.assign(ids.begin(), ids.end());
    ids32.push_back(uint32_t(end_id));
    tokens.write(reinterpret_cast<const char*>(ids32.data()), std::streamsize(ids32.size() * sizeof(uint32_t)));
    n_tokens += ids32.size();
    ++n_docs;
    docs.write(reinterpret_cast<const char*>(&n_tokens), sizeof n_tokens);
    done_bytes += doc.size();
    const auto now = std::chrono::steady_clock::now();
    if (now - last_report > std::chrono::seconds(5)) {
      last_report = now;
      const double secs = std::chrono::duration<double>(now - start).count(), rate = done_bytes / secs;
      log(fmt("tokenizing corpus: %.1f of %.1f MB (%.0f %%), %.1f MB/s", done_bytes / 1e6, total_bytes / 1e6,
              100.0 * done_bytes / std::max<uint64_t>(total_bytes, 1), rate / 1e6) +
          fmt(", about %.0f s left", (total_bytes - std::min(done_bytes, total_bytes)) / std::max(rate, 1.0)));
    }
  }
  if (!tokens.flush() || !docs.flush()) throw std::runtime_error("cannot write the token cache in " + dir);
  tokens.close(), docs.close();
  fs::rename(dir + "/tokens.u32.tmp", dir + "/tokens.u32");
  fs::rename(dir + "/docs.u64.tmp", dir + "/docs.u64");
  std::ofstream(dir + "/meta.json") << meta.dump(1) << "\n";
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  log(fmt("token cache: %.0f documents, %.0f tokens from %.2f MB in %.1f s", double(n_docs), double(n_tokens),
          total_bytes / 1e6, secs));
}

}  // namespace

std::vector<std::string> corpus_files(const std::string& corpus) {
  std::error_code ec;
  if (corpus.empty()) throw std::runtime_error("data.corpus: empty (expected a text file or a folder of them)");
  const auto status = fs::status(corpus, ec);
  if (ec || !fs::exists(status)) throw std::runtime_error("data.corpus: \"" + corpus + "\" does not exist");
  std::vector<std::string> files;
  if (fs::is_regular_file(status)) {
    files.push_back(corpus);
  } else {
    for (const auto& entry :
         fs::recursive_directory_iterator(corpus, fs::directory_options::skip_permission_denied, ec))
      if (entry.is_regular_file()) files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
  }
  if (files.empty()) throw std::runtime_error("data.corpus: \"" + corpus + "\" holds no files");
  return files;
}

bool DocumentReader::next(std::string& doc) {
  doc.clear();
  while (true) {
    while (std::getline(in_, line_)) {
      if (line_.find_first_not_of(" \t\r") == std::string::npos) {
        if (!doc.empty()) return true;  // a blank line ends the document
        continue;
      }
      doc += line_;
      doc += '\n';
    }
    if (!doc.empty()) return true;  // a file's end ends its last document
    if (next_file_ == files_.size()) return false;
    in_ = std::ifstream(files_[next_file_], std::ios::binary);
    if (!in_) throw std::runtime_error("data.corpus: cannot read \"" + files_[next_file_] + "\"");
    ++next_file_;
  }
}

TokenCache::Mapping::Mapping(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  struct stat st {};
  ::fstat(fd, &st);
  bytes_ = size_t(st.st_size);
  if (bytes_ > 0) addr_ = ::mmap(nullptr, bytes_, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (addr_ == MAP_FAILED) throw std::runtime_error("cannot map " + path);
}

TokenCache::Mapping::~Mapping() {
  if (addr_ && addr_ != MAP_FAILED) ::munmap(addr_, bytes_);
}

TokenCache::TokenCache(const std::vector<std::string>& files, const Tokenizer& tokenizer, const std::string& dir,
                       const Log& log) {
  const auto meta = describe(files, tokenizer);
  if (!cache_matches(dir, meta)) {
    build(files, tokenizer, dir, meta, log);
    built_ = true;
  }
  tokens_map_ = std::make_unique<Mapping>(dir + "/tokens.u32");
  docs_map_ = std::make_unique<Mapping>(dir + "/docs.u64");
  tokens_ = static_cast<const uint32_t*>(tokens_map_->addr());
  docs_ = static_cast<const uint64_t*>(docs_map_->addr());
  n_tokens_ = tokens_map_->bytes() / sizeof(uint32_t);
  n_docs_ = docs_map_->bytes() < sizeof(uint64_t) ? 0 : docs_map_->bytes() / sizeof(uint64_t) - 1;
  if (docs_map_->bytes() < sizeof(uint64_t) || docs_[n_docs_] != n_tokens_)
    throw std::runtime_error("token cache in " + dir + " is inconsistent (delete the folder to rebuild it)");
}

}  // namespace r1wb::gpu
