// The two entry points of libr1wb_sentencepiece.so (see bpe_tokenizer.h for why it is a
// plugin). C linkage so dlsym finds them by name; they pass C++ types, which is safe here
// because plugin and engine are built together against the same libstdc++. Neither throws:
// failures return null/false with the message in *error.
#pragma once
#include "gpu/data/tokenizer.h"

#include <functional>
#include <string>

extern "C" {
//! A Tokenizer for the model file, owned by the caller; null on failure.
r1wb::gpu::Tokenizer* r1wb_sentencepiece_open(const std::string& model_path, std::string* error);
//! Trains and writes model_path and its .vocab; false on failure.
bool r1wb_sentencepiece_train(const std::function<bool(std::string&)>& sentences, int vocab_size,
                              const std::string& model_path, int threads, uint32_t seed, std::string* error);
}
