#include "gpu/data/bpe_tokenizer.h"

#include "gpu/data/sentencepiece_plugin.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <stdexcept>

namespace r1wb::gpu {
namespace {

struct Plugin {
  decltype(&r1wb_sentencepiece_open) open = nullptr;
  decltype(&r1wb_sentencepiece_train) train = nullptr;
};

std::string plugin_path() {
  if (const char* env = std::getenv("R1WB_SENTENCEPIECE_PLUGIN")) return env;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (exe.parent_path() / "libr1wb_sentencepiece.so").string();
}

const Plugin& plugin() {
  static Plugin p;
  static std::string error;
  static std::once_flag once;
  std::call_once(once, [] {
    const auto path = plugin_path();
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (!handle) {
      error = std::string("model.tokenizer: \"bpe\" needs the SentencePiece plugin: ") + ::dlerror();
      return;
    }
    p.open = reinterpret_cast<decltype(p.open)>(::dlsym(handle, "r1wb_sentencepiece_open"));
    p.train = reinterpret_cast<decltype(p.train)>(::dlsym(handle, "r1wb_sentencepiece_train"));
    if (!p.open || !p.train) error = "model.tokenizer: " + path + " is not the SentencePiece plugin";
  });
  if (!error.empty()) throw std::runtime_error(error);
  return p;
}

}  // namespace

std::unique_ptr<Tokenizer> open_bpe_tokenizer(const std::string& model_path) {
  std::string error;
  std::unique_ptr<Tokenizer> t(plugin().open(model_path, &error));
  if (!t) throw std::runtime_error(error);
  return t;
}

void train_bpe(const SentenceSource& sentences, int vocab_size, const std::string& model_path, int threads,
               uint32_t seed) {
  std::string error;
  if (!plugin().train(sentences, vocab_size, model_path, threads, seed, &error)) throw std::runtime_error(error);
}

}  // namespace r1wb::gpu
