#include "gpu/train/rank_group.h"

#include <stdexcept>
#include <string>

namespace r1wb::gpu {

void check_batch_divides(const TrainConfig& t, int world) {
  if (world > 1 && t.batch_size % world != 0)
    throw std::runtime_error("train.batch_size: " + std::to_string(t.batch_size) + " does not divide among " +
                             std::to_string(world) + " data-parallel ranks");
}

}  // namespace r1wb::gpu
