// The distill stage's objective on the shared step (step_runner.h): a student (the run's
// model) learns from a teacher run of any width, depth, experts or attention kind that
// tokenizes the same way (a different tokenizer is refused naming both runs).
//   data task             the task's own training examples, or
//        teacher_samples  the teacher's verified completions (teacher_samples.h), R1's way
//   loss ce               next-token cross-entropy on the data (SFT)
//        forward_kl, reverse_kl, jsd   a divergence to the teacher's next-token distribution
//                         at every completion token (divergence.h), plus ce_weight x the CE
//   on_policy_fraction    GKD's lambda: that share of steps trains on the student's own
//                         completions of training prompts instead, scored by the teacher
//   hidden_weight         TinyBERT's hidden-state loss: MSE between the teacher's last hidden
//                         state (after its final norm) and the student's mapped to the
//                         teacher's width by a learned projection, registered on the model as
//                         "distill_projection" (checkpointed with it, left out of exports)
// plus the student's MoE balance losses and MTP loss as in pretraining. The teacher runs
// without autograd, on the student's device. Held-out evaluation (evaluation.h, the rl
// section's eval fields) runs before the first step (the teacher's too, as distill/teacher_*),
// every rl.eval_every steps and at the end; a text corpus has no task to evaluate (perplexity measures it).
#pragma once
#include "gpu/data/synthetic_data.h"
#include "gpu/rl/evaluation.h"
#include "gpu/train/objective.h"
#include "gpu/train/trained_model.h"

#include <memory>
#include <string>

namespace r1wb::gpu {

class OnPolicyMix;

class DistillObjective : public Objective {
 public:
  //! Reads the teacher's config (throws naming distill.teacher when it is not a run); a BPE
  //! student without a tokenizer yet takes the teacher's.
  DistillObjective(const Experiment& experiment, const std::string& run_dir);
  ~DistillObjective() override;
  void extend_model(TransformerLM& model, torch::Device device) override;
  void start(const ObjectiveContext& context) override;
  TrainingData* own_data() override;
  MicroBatchResult micro_batch(TransformerLM& model, const Batch& batch, const LossNorm& norm) override;
  void after_step(const StepStats& s, int64_t end, EventSink& sink) override;

 private:
  void check_tokenizers(const Tokenizer& student) const;
  void open_teacher_samples(const ObjectiveContext& c);
  void run_eval(int64_t step, EventSink& sink, bool with_teacher);

  Experiment e_;
  std::string run_dir_;
  Experiment teacher_config_;
  TrainedModel teacher_;
  TransformerLM student_{nullptr};
  const Tokenizer* tokenizer_ = nullptr;
  torch::nn::Linear projection_{nullptr};
  std::unique_ptr<TrainingData> samples_data_;  //!< data teacher_samples
  std::unique_ptr<OnPolicyMix> mix_;            //!< on_policy_fraction > 0
  std::vector<TaskExample> samples_;
  EvalOptions eval_;
};

}  // namespace r1wb::gpu
