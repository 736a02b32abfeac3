// Multi-process data parallelism through torch.distributed's c10d (Gloo; NCCL comes with a
// CUDA build of LibTorch, in a later change). Every rank holds the whole model and generates the whole
// global batch, trains on its share of the rows, and the ranks sum their gradients with one
// all-reduce per step. Losses are normalised by the global batch's token count before
// backward, so the summed gradient is the 1-process gradient of the same global batch.
// Ranks meet through a FileStore in the run directory (one machine; remote nodes later).
#pragma once
#include "gpu/train/rank_group.h"

#include <torch/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace r1wb::gpu {

class DataParallel : public RankGroup {
 public:
  //! Joins the group of `world` ranks meeting at `rendezvous_file`; blocks until all arrive.
  DataParallel(int rank, int world, const std::string& rendezvous_file);
  ~DataParallel() override;
  int rank() const override { return rank_; }
  int world() const override { return world_; }

  //! Sums the tensors across ranks, in place, through one flat buffer.
  void sum(const std::vector<torch::Tensor>& tensors) override;
  double max_difference(const std::vector<torch::Tensor>& tensors) override;
  bool any(bool flag) override;
  void announce(const std::string& key, bool ok) override;
  //! Not a collective, so not bound by the group's 30-minute operation timeout.
  bool await(const std::string& key, std::chrono::seconds timeout) override;

 private:
  struct Group;  // the c10d process group, kept out of this header
  int rank_, world_;
  std::unique_ptr<Group> group_;
};

}  // namespace r1wb::gpu
