// The training side's view of data parallelism: a group of ranks that sum tensors and agree
// on flags. train/ depends on this interface; dist/ implements it (c10d Gloo, NCCL later), so
// the step and the loop never name a transport and dist/ is the layer above train/.
#pragma once
#include "core/config/config.h"

#include <torch/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace r1wb::gpu {

class RankGroup {
 public:
  virtual ~RankGroup() = default;
  virtual int rank() const = 0;
  virtual int world() const = 0;
  //! Sums the tensors across ranks, in place.
  virtual void sum(const std::vector<torch::Tensor>& tensors) = 0;
  //! The largest difference between ranks of any element: 0 when all ranks hold the same.
  virtual double max_difference(const std::vector<torch::Tensor>& tensors) = 0;
  //! True on every rank when `flag` is true on any.
  virtual bool any(bool flag) = 0;
  //! Rank 0 tells the other ranks how work they wait on (data preparation) ended.
  virtual void announce(const std::string& key, bool ok) = 0;
  //! Waits up to `timeout` for rank 0's announcement of `key`; false when it failed.
  virtual bool await(const std::string& key, std::chrono::seconds timeout) = 0;
};

//! train.batch_size must split evenly among `world` ranks; throws naming the field otherwise.
void check_batch_divides(const TrainConfig& train, int world);

}  // namespace r1wb::gpu
