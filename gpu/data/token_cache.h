// A text corpus tokenized once and read back through mmap. The corpus is a file or a folder
// of files (every regular file below it, in path order); a document is a run of lines up to
// a blank line. Tokenizing happens at most once per run directory: a resumed run, or a
// second open, maps the files as they are, and the OS pages in only what batches touch,
// so a corpus larger than memory trains as well as a small one.
//
// Files in the cache folder: tokens.u32 (every document's ids, each document followed by
// the tokenizer's document_end), docs.u64 (documents + 1 offsets into tokens) and
// meta.json (the corpus files' sizes and modification times and the tokenizer's
// fingerprint): when any of those changed the cache is rebuilt.
#pragma once
#include "gpu/data/tokenizer.h"

#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace r1wb::gpu {

//! The files of a corpus path, sorted. Throws "data.corpus: ..." when there are none.
std::vector<std::string> corpus_files(const std::string& corpus);

//! The documents of the files in order: each its lines up to a blank line, newlines kept.
class DocumentReader {
 public:
  explicit DocumentReader(std::vector<std::string> files) : files_(std::move(files)) {}
  //! The next document; false after the last. Throws "data.corpus: cannot read ..." .
  bool next(std::string& doc);

 private:
  std::vector<std::string> files_;
  size_t next_file_ = 0;
  std::ifstream in_;
  std::string line_;
};

class TokenCache {
 public:
  //! Maps the cache in `dir`, tokenizing the files into it first when it is missing or stale.
  //! `log` receives progress lines (bytes done, rate, ETA) while tokenizing.
  TokenCache(const std::vector<std::string>& files, const Tokenizer& tokenizer, const std::string& dir, const Log& log);

  //! Every document's ids back to back (mapped read-only).
  const uint32_t* tokens() const { return tokens_; }
  //! Tokens in the corpus, document ends included.
  uint64_t size() const { return n_tokens_; }
  //! Documents in the corpus.
  uint64_t documents() const { return n_docs_; }
  //! Token range [begin, end) of document i, its document_end included.
  uint64_t doc_begin(uint64_t i) const { return docs_[i]; }
  uint64_t doc_end(uint64_t i) const { return docs_[i + 1]; }
  //! Whether this open tokenized the corpus (false: it reused the files).
  bool built() const { return built_; }

 private:
  //! A read-only mapping of a whole file, unmapped when destroyed.
  class Mapping {
   public:
    explicit Mapping(const std::string& path);
    ~Mapping();
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    const void* addr() const { return addr_; }
    size_t bytes() const { return bytes_; }

   private:
    void* addr_ = nullptr;
    size_t bytes_ = 0;
  };
  std::unique_ptr<Mapping> tokens_map_, docs_map_;
  const uint32_t* tokens_ = nullptr;
  const uint64_t* docs_ = nullptr;
  uint64_t n_tokens_ = 0, n_docs_ = 0;
  bool built_ = false;
};

}  // namespace r1wb::gpu
