#include "gpu/dist/data_parallel.h"

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

namespace r1wb::gpu {
namespace {

torch::Tensor flatten(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> flat;
  for (const auto& t : tensors) flat.push_back(t.reshape({-1}).to(torch::kFloat32));
  return torch::cat(flat);
}

}  // namespace

struct DataParallel::Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
};

DataParallel::DataParallel(int rank, int world, const std::string& host, int port) : rank_(rank), world_(world) {
  c10d::TCPStoreOptions opts;
  opts.port = uint16_t(port);
  opts.isServer = rank == 0;
  opts.numWorkers = size_t(world);
  opts.waitWorkers = true;
  opts.timeout = std::chrono::minutes(5);
  c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::TCPStore>(host, opts);
  auto options = c10d::ProcessGroupGloo::Options::create();
  options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  group_ =
      std::make_unique<Group>(Group{store, c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world, options)});
}

DataParallel::DataParallel(int rank, int world, const std::string& rendezvous_file) : rank_(rank), world_(world) {
  c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::FileStore>(rendezvous_file, world);
  auto options = c10d::ProcessGroupGloo::Options::create();
  options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  group_ =
      std::make_unique<Group>(Group{store, c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world, options)});
}

void DataParallel::announce(const std::string& key, bool ok) {
  group_->store->set(key, std::vector<uint8_t>{uint8_t(ok ? 1 : 0)});
}

bool DataParallel::await(const std::string& key, std::chrono::seconds timeout) {
  group_->store->wait({key}, std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
  const auto value = group_->store->get(key);
  return !value.empty() && value[0] == 1;
}

DataParallel::~DataParallel() = default;

void DataParallel::sum(const std::vector<torch::Tensor>& tensors) {
  if (tensors.empty()) return;
  std::vector<torch::Tensor> buffer{flatten(tensors)};
  group_->pg->allreduce(buffer)->wait();
  int64_t offset = 0;
  torch::NoGradGuard no_grad;
  for (const auto& t : tensors) {
    t.copy_(buffer[0].narrow(0, offset, t.numel()).view_as(t));
    offset += t.numel();
  }
}

double DataParallel::max_difference(const std::vector<torch::Tensor>& tensors) {
  auto local = flatten(tensors);
  std::vector<torch::Tensor> hi{local.clone()}, lo{local.clone()};
  c10d::AllreduceOptions max_op, min_op;
  max_op.reduceOp = c10d::ReduceOp::MAX;
  min_op.reduceOp = c10d::ReduceOp::MIN;
  group_->pg->allreduce(hi, max_op)->wait();
  group_->pg->allreduce(lo, min_op)->wait();
  return (hi[0] - lo[0]).abs().max().item<double>();
}

bool DataParallel::any(bool flag) {
  std::vector<torch::Tensor> t{torch::full({1}, flag ? 1.0f : 0.0f)};
  c10d::AllreduceOptions max_op;
  max_op.reduceOp = c10d::ReduceOp::MAX;
  group_->pg->allreduce(t, max_op)->wait();
  return t[0].item<float>() > 0;
}

}  // namespace r1wb::gpu
