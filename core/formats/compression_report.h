// What compression costs and buys for one run: its variants (the float model, post-training
// quantization to each grid, or the grid it was trained against) with their size, held-out
// quality and sampling speed, and per layer how far each grid moves the weights and the
// block's output. `r1wb-run compress-report` measures it and writes it into the run directory
// (compression/report.json, atomically); the compression view reads it, so a report is
// measured once per checkpoint and the GUI never links the engine. The reader refuses a file
// that is not a whole report, naming the file and the field.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace r1wb {

//! Per layer (block) errors of one quantization grid, relative (||q - x|| / ||x||).
struct LayerErrors {
  std::vector<std::string> matrices;        //!< column names: "attn.qkv", "moe.w_down", ...
  std::vector<std::vector<double>> weight;  //!< [layer][matrix]; NaN where the layer has no such matrix
  //! [layer]: the block's residual update with quantized weights and inputs against the float
  //! one, both from the float model's input to that block (the layer's own error, not carried).
  std::vector<double> output;
  bool empty() const { return weight.empty(); }
};

struct CompressionVariant {
  std::string name;   //!< "float", "int4-g32 PTQ", "int4-g32 (trained)"
  std::string quant;  //!< the grids in words (fake_quant's describe)
  bool trained = false;  //!< the run trained against this grid (QAT), not rounded afterwards
  int64_t bytes = 0;     //!< the weights as an export of this type holds them (tensor data)
  int64_t parameters = 0;
  std::optional<double> accuracy;  //!< held-out task accuracy (task runs)
  double loss = 0;                 //!< held-out loss: reference completions (task) or corpus (text)
  double tokens_per_s = 0;         //!< sampled tokens/s as the engine runs this variant
  LayerErrors errors;              //!< empty for float
};

struct CompressionReport {
  std::string run_dir, experiment, device;
  int64_t step = 0;
  std::string loss_kind;  //!< "reference loss (N held-out prompts)" or "corpus loss (FILE, N tokens)"
  std::vector<CompressionVariant> variants;
};

nlohmann::json to_json(const CompressionReport& r);
//! Throws std::runtime_error naming `what` (the file) and the field that is missing or wrong.
CompressionReport compression_report_from_json(const nlohmann::json& doc, const std::string& what);

//! `<run_dir>/compression/report.json`.
std::string compression_report_path(const std::string& run_dir);
void write_compression_report(const std::string& path, const CompressionReport& r);
//! Throws std::runtime_error naming the file when it is missing, not JSON or not a report.
CompressionReport read_compression_report(const std::string& path);

}  // namespace r1wb
