// Checkpoints: <run-dir>/checkpoints/step-N/{model.pt, optimizer.pt, trainer.json, manifest.json}.
// Written into a hidden temp directory, read back and checked (every tensor decodes and is
// finite), fsynced, then renamed, so a directory named step-N is always complete. The
// manifest, written last, holds each file's size and CRC-32: a checkpoint that does not match
// it is damaged, never loaded. Resuming takes the newest intact checkpoint; the damaged newer
// ones are moved aside (step-N.damaged), never deleted. A crash mid-write leaves only a temp
// directory, removed later.
#pragma once
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

namespace r1wb::gpu {

//! A checkpoint that cannot be loaded or written: the file and what is wrong with it.
struct CheckpointError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

//! Writes a checkpoint for `step`; returns its path relative to the run directory.
//! `trainer_state` (e.g. the loss scale) goes into trainer.json beside the step. Throws
//! CheckpointError, writing nothing under step-N, when a tensor to save is not finite.
std::string save_checkpoint(const std::string& run_dir, int64_t step, torch::nn::Module& model,
                            torch::optim::Optimizer& optimizer, const nlohmann::json& trainer_state = {});
//! Step of the newest complete checkpoint directory (not yet verified), if any.
std::optional<int64_t> newest_checkpoint(const std::string& run_dir);
//! What is wrong with checkpoint `step` (its file named), or empty when it matches its manifest.
std::string verify_checkpoint(const std::string& run_dir, int64_t step);
//! Loads onto `device` (the model's), so a CPU-written checkpoint resumes on a GPU and back.
//! Returns trainer.json's contents. Throws CheckpointError naming the file when it is damaged.
nlohmann::json load_checkpoint(const std::string& run_dir, int64_t step, torch::nn::Module& model,
                               torch::optim::Optimizer& optimizer, torch::Device device);

struct ResumePoint {
  int64_t step = 0;
  nlohmann::json state;  //!< trainer.json
};
//! Loads the newest checkpoint that verifies and loads. Each newer one that does not is moved
//! to step-N.damaged and `warn` is told which file and why. nullopt when there is none; throws
//! CheckpointError (moving nothing) when there are checkpoints but none is intact.
std::optional<ResumePoint> load_newest_intact_checkpoint(const std::string& run_dir, torch::nn::Module& model,
                                                         torch::optim::Optimizer& optimizer, torch::Device device,
                                                         const std::function<void(const std::string&)>& warn);
//! Loads only the weights (model.pt) of checkpoint `step`, or of the newest intact one when
//! `step` is nullopt, for the commands that read a trained run (sample, eval). Damaged newer
//! checkpoints are skipped with a `warn` line, never moved: reading a run does not change it.
//! Returns the step loaded; throws CheckpointError when there is none to load.
int64_t load_model_weights(const std::string& run_dir, std::optional<int64_t> step, torch::nn::Module& model,
                           torch::Device device, const std::function<void(const std::string&)>& warn);
//! Deletes all but the newest `keep` checkpoints and any leftover temp directories.
void prune_checkpoints(const std::string& run_dir, int keep);

}  // namespace r1wb::gpu
