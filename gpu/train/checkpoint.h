// Checkpoints: <run-dir>/checkpoints/step-N/{model.pt, optimizer.pt, trainer.json}.
// Written into a hidden temp directory, fsynced, then renamed, so a directory named
// step-N is always complete; a crash mid-write leaves only a temp directory, removed later.
#pragma once
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace r1wb::gpu {

//! Writes a checkpoint for `step`; returns its path relative to the run directory.
//! `trainer_state` (e.g. the loss scale) goes into trainer.json beside the step.
std::string save_checkpoint(const std::string& run_dir, int64_t step, torch::nn::Module& model,
                            torch::optim::Optimizer& optimizer, const nlohmann::json& trainer_state = {});
//! Step of the newest complete checkpoint, if any.
std::optional<int64_t> newest_checkpoint(const std::string& run_dir);
//! Loads onto `device` (the model's), so a CPU-written checkpoint resumes on a GPU and back.
//! Returns trainer.json's contents.
nlohmann::json load_checkpoint(const std::string& run_dir, int64_t step, torch::nn::Module& model,
                               torch::optim::Optimizer& optimizer, torch::Device device);
//! Deletes all but the newest `keep` checkpoints and any leftover temp directories.
void prune_checkpoints(const std::string& run_dir, int keep);

}  // namespace r1wb::gpu
