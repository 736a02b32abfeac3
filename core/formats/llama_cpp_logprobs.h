// llama.cpp's side of an export check: an unmodified llama.cpp loads a GGUF, tokenizes a text
// and gives its next-token log-probs, through npm's node-llama-cpp (llama.cpp's prebuilt CPU
// library with a log-prob API; llama.cpp is no Debian package). The product neither ships nor
// downloads it: a researcher installs it once into a folder
//   npm install --prefix ~/.local/share/r1wb/llama-cpp node-llama-cpp@3.21.1 @node-llama-cpp/linux-x64@3.21.1
// (scripts/install-test-consumers.sh does the same for the tests), found through an explicit
// folder, $R1WB_LLAMA_CPP, or that default; without one the check says so and how to get it.
// The script it runs (llama_cpp_logprobs.mjs) is compiled into the program and written into
// that folder, where node resolves the package.
#pragma once
#include "core/formats/next_logprobs.h"

#include <string>

namespace r1wb {

//! The folder holding node_modules/node-llama-cpp (explicit_dir if given, else $R1WB_LLAMA_CPP,
//! else <data dir>/llama-cpp) when it has the package and `node` is on the PATH; otherwise ""
//! with `why_not` saying what is missing and the command that installs it.
std::string find_llama_cpp(const std::string& explicit_dir, std::string& why_not);

//! The node-llama-cpp version the check was built and measured with.
extern const char* const kLlamaCppPackageVersion;

//! llama.cpp's tokens of `text` and its next-token log-probs after each, with a context of
//! `context_size` tokens. Throws std::runtime_error with llama.cpp's own log when the model
//! does not load, and with node's error output for anything else.
NextLogprobs llama_cpp_logprobs(const std::string& llama_cpp_dir, const std::string& gguf_path,
                                const std::string& text, int context_size);

}  // namespace r1wb
