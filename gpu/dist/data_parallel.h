// Multi-process data parallelism through torch.distributed's c10d (Gloo; NCCL comes with a
// CUDA build of LibTorch, in a later change). Every rank holds the whole model and generates the whole
// global batch, trains on its share of the rows, and the ranks sum their gradients with one
// all-reduce per step. Losses are normalised by the global batch's token count before
// backward, so the summed gradient is the 1-process gradient of the same global batch.
// Ranks meet through a FileStore in the run directory (one machine), or a TCPStore that rank 0
// serves on its node (the nodes of a Slurm allocation: `r1wb-run train --slurm-ranks`).
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
  //! Joins through a TCP store on host:port (rank 0 serves it there); each rank's Gloo device is
  //! its node's own address, so ranks on several nodes reach each other.
  DataParallel(int rank, int world, const std::string& host, int port);
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
