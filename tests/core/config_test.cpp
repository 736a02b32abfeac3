// Pins the experiment schema: defaults, unknown keys, and every kind of validation error
// with its field path.
#include "core/config/config.h"
#include "core/config/config_schema.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

using namespace r1wb;

namespace {
std::string first_error(const std::string& text) {
  auto r = parse_experiment(text);
  return r.errors.empty() ? std::string() : r.errors.front().to_string();
}
}  // namespace

TEST(Config, EmptyObjectGetsEveryDefault) {
  auto r = parse_experiment("{}");
  ASSERT_TRUE(r.ok()) << r.errors.front().to_string();
  EXPECT_EQ(r.experiment.model.d_model, 64);
  EXPECT_EQ(r.experiment.model.moe.num_experts, 4);
  EXPECT_EQ(r.experiment.model.moe.top_k, 2);
  EXPECT_EQ(r.experiment.train.steps, 200);
  EXPECT_EQ(r.experiment.curriculum.mode, CurriculumMode::None);
  for (const auto& f : experiment_schema()) {
    std::string p = "/" + f.path;
    std::replace(p.begin(), p.end(), '.', '/');
    EXPECT_EQ(r.resolved.at(nlohmann::json::json_pointer(p)), f.default_value) << f.path;
  }
}

TEST(Config, GivenValuesOverrideDefaults) {
  auto r = parse_experiment(R"({"model": {"d_model": 128, "moe": {"num_experts": 8}}, "train": {"lr": 0.01}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.experiment.model.d_model, 128);
  EXPECT_EQ(r.experiment.model.moe.num_experts, 8);
  EXPECT_DOUBLE_EQ(r.experiment.train.lr, 0.01);
  EXPECT_EQ(r.resolved["model"]["n_layers"], 2);
}

TEST(Config, UnknownKeyIsRejectedWithPathAndSuggestion) {
  const std::string e = first_error(R"({"model": {"moe": {"topk": 2}}})");
  EXPECT_EQ(e.rfind("model.moe.topk: unknown key (did you mean 'top_k'?); expected one of: aux_loss_weight, ", 0), 0u)
      << e;
  EXPECT_NE(e.find(", top_k, topk_groups, "), std::string::npos) << e;
  EXPECT_NE(first_error(R"({"optimizer": {}})").find("optimizer: unknown key"), std::string::npos);
}

TEST(Config, RouterRulesNameTheFieldsTheyRelate) {
  EXPECT_EQ(first_error(R"({"model": {"moe": {"num_experts": 6, "n_groups": 4}}})"),
            "model.moe.n_groups: 4 does not divide model.moe.num_experts (6)");
  EXPECT_EQ(first_error(R"({"model": {"moe": {"num_experts": 8, "n_groups": 4, "topk_groups": 5}}})"),
            "model.moe.topk_groups: 5 exceeds model.moe.n_groups (4)");
  EXPECT_EQ(first_error(R"({"model": {"moe": {"num_experts": 8, "top_k": 3, "n_groups": 4, "topk_groups": 1}}})"),
            "model.moe.top_k: 3 exceeds the experts in model.moe.topk_groups groups (2)");
  EXPECT_EQ(first_error(R"({"model": {"moe": {"dynamic_k_max": 2}}})"),
            "model.moe.dynamic_k_max: 2 is not in (model.moe.top_k, model.moe.num_experts] = (2, 4] (or 0 for off)");
  EXPECT_EQ(first_error(R"({"model": {"n_layers": 2, "first_k_dense": 3}})"),
            "model.first_k_dense: 3 exceeds model.n_layers (2)");
  EXPECT_EQ(first_error(R"({"model": {"moe": {"score_func": "relu"}}})"),
            "model.moe.score_func: \"relu\" is not allowed (expected one of \"softmax\", \"sigmoid\")");
}

TEST(Config, CurriculumPhasesAreCheckedElementByElement) {
  EXPECT_EQ(
      first_error(R"({"curriculum": {"phases": [{"until": 0.5, "mix": {"1": 1}}, {"until": 0.4, "mix": {"2": 1}}]}})"),
      "curriculum.phases[1].until: 0.4 is not in [0.5, 1] above 0 (expected non-decreasing shares of the steps)");
  EXPECT_EQ(first_error(R"({"curriculum": {"phases": [{"until": 1, "mix": {"easy": 1}}]}})"),
            "curriculum.phases[0].mix.easy: is not a difficulty level (expected 1, 2, ...)");
  EXPECT_EQ(first_error(R"({"curriculum": {"phases": [{"until": 1, "mix": {"1": 1}, "weight": 2}]}})"),
            "curriculum.phases[0].weight: unknown key; expected one of: loss_below, mix, until");
  EXPECT_EQ(first_error(R"({"curriculum": {"phases": {"until": 1}}})"),
            "curriculum.phases: {\"until\":1} is not a list");
  EXPECT_EQ(first_error(R"({"curriculum": {"mode": "phases", "phases": [{"until": 1, "mix": {"3": 1}}]}})"),
            "curriculum.phases[0].mix.3: difficulty 3 is outside [data.min_difficulty, data.max_difficulty] = [1, 2]");
  EXPECT_EQ(first_error(R"({"curriculum": {"mode": "phases", "phases": [{"until": 0.5, "mix": {"1": 1}}]}})"),
            "curriculum.phases[0].until: 0.5 leaves steps without a phase (expected the last phase to end at 1)");
  auto r = parse_experiment(R"({"curriculum": {"mode": "phases"}})");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.experiment.curriculum.phases.size(), 3u) << "default easy / mixed / hard";
  EXPECT_DOUBLE_EQ(r.experiment.curriculum.phases[1].until, 0.6);
  EXPECT_EQ(r.experiment.curriculum.phases[1].mix, (std::vector<std::pair<int, double>>{{1, 0.5}, {2, 0.5}}));
}

TEST(Config, TaskDifficultyAndSequenceLengthAgree) {
  EXPECT_EQ(first_error(R"({"data": {"task": "countdown", "max_difficulty": 7}})"),
            "data.max_difficulty: 7 exceeds what countdown supports (6)");
  const auto e = first_error(R"({"data": {"task": "multiplication", "max_difficulty": 3, "seq_len": 40}})");
  EXPECT_EQ(e.rfind("data.seq_len: 40 is too short for multiplication examples at difficulty 3 (expected at least ", 0),
            0u)
      << e;
}

TEST(Config, ATextCorpusNeedsAPathAndNoDifficultyCurriculum) {
  EXPECT_EQ(first_error(R"({"data": {"task": "text"}})"),
            "data.corpus: empty (data.task \"text\" needs a text file or a folder of them)");
  EXPECT_EQ(first_error(R"({"data": {"task": "text", "corpus": "c.txt"}, "curriculum": {"mode": "ramp"}})"),
            "curriculum.mode: \"ramp\" needs a synthetic task (a text corpus has no difficulty levels)");
  EXPECT_EQ(first_error(R"({"data": {"task": "text", "corpus": "c.txt", "seq_len": 8, "max_difficulty": 30}})"), "")
      << "difficulty and example-length rules are the synthetic tasks'";
}

TEST(Config, TopKAboveExpertsNamesBothFields) {
  EXPECT_EQ(first_error(R"({"model": {"moe": {"num_experts": 4, "top_k": 5}}})"),
            "model.moe.top_k: 5 exceeds model.moe.num_experts (4)");
}

TEST(Config, WrongTypeSaysWhatWasExpected) {
  EXPECT_EQ(first_error(R"({"model": {"d_model": "wide"}})"),
            "model.d_model: \"wide\" is not an integer (expected integer in [8, 16384])");
  EXPECT_EQ(first_error(R"({"model": {"d_model": 64.5}})"),
            "model.d_model: 64.5 is not an integer (expected integer in [8, 16384])");
  EXPECT_EQ(first_error(R"({"model": {"tie_embeddings": 1}})"),
            "model.tie_embeddings: 1 is not a boolean (expected true or false)");
  EXPECT_EQ(first_error(R"({"train": {"lr": "fast"}})"),
            "train.lr: \"fast\" is not a number (expected number in [0, 10])");
}

TEST(Config, OutOfRangeNamesTheRange) {
  EXPECT_EQ(first_error(R"({"model": {"n_layers": 0}})"),
            "model.n_layers: 0 is out of range (expected integer in [1, 256])");
  EXPECT_EQ(first_error(R"({"train": {"lr": -1}})"), "train.lr: -1 is out of range (expected number in [0, 10])");
}

TEST(Config, EnumListsItsChoices) {
  EXPECT_EQ(first_error(R"({"model": {"ffn": "mlp"}})"),
            "model.ffn: \"mlp\" is not allowed (expected one of \"moe\", \"dense\")");
}

TEST(Config, SectionMustBeAnObject) {
  EXPECT_EQ(first_error(R"({"model": 3})"), "model: 3 is not an object (expected a section with keys)");
}

TEST(Config, CrossFieldRules) {
  EXPECT_EQ(first_error(R"({"model": {"n_heads": 5}})"), "model.n_heads: 5 does not divide model.d_model (64)");
  EXPECT_EQ(first_error(R"({"model": {"d_model": 96, "n_heads": 32}})"),
            "model.n_heads: 32 gives an odd head size 3 (expected an even head size for RoPE)");
  EXPECT_EQ(first_error(R"({"data": {"min_difficulty": 3, "max_difficulty": 2}})"),
            "data.min_difficulty: 3 exceeds data.max_difficulty (2)");
  EXPECT_EQ(first_error(R"({"data": {"seq_len": 256}})"), "data.seq_len: 256 exceeds model.max_seq_len (128)");
  EXPECT_NE(first_error(R"({"data": {"seq_len": 16}})")
                .find("data.seq_len: 16 is too short for addition examples at difficulty 2"),
            std::string::npos);
  EXPECT_EQ(first_error(R"({"train": {"steps": 10, "warmup_steps": 20}})"),
            "train.warmup_steps: 20 exceeds train.steps (10)");
}

TEST(Config, EveryErrorIsReportedNotJustTheFirst) {
  auto r = parse_experiment(R"({"model": {"d_model": "x", "n_layers": 0}, "bogus": 1})");
  EXPECT_EQ(r.errors.size(), 3u);
}

TEST(Config, SyntaxErrorGivesLineAndColumn) {
  auto e = first_error("{\n  \"model\": {\n    \"d_model\": ,\n  }\n}");
  EXPECT_EQ(e.rfind("invalid JSON at line 3, column 16", 0), 0u) << e;
}

TEST(Config, NonObjectDocumentIsRejected) {
  EXPECT_EQ(first_error("[1,2]"), "the experiment must be a JSON object, got array");
}

TEST(Config, MissingFileIsAnError) {
  auto r = load_experiment_file("/nonexistent/x.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors[0].message, "cannot read experiment file '/nonexistent/x.json'");
}

TEST(Config, SchemaMarkdownListsEveryField) {
  auto md = schema_markdown();
  for (const auto& f : experiment_schema()) EXPECT_NE(md.find("`" + f.path + "`"), std::string::npos) << f.path;
}

TEST(Config, EveryShippedExperimentValidates) {
  int presets = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(R1WB_SOURCE_DIR) + "/experiments")) {
    if (entry.path().extension() != ".json") continue;
    ++presets;
    auto r = load_experiment_file(entry.path().string());
    EXPECT_TRUE(r.ok()) << entry.path() << ": " << (r.errors.empty() ? "" : r.errors[0].to_string());
  }
  EXPECT_GE(presets, 8);
}

TEST(Config, DistillNeedsATeacherAndLossesThatReadIt) {
  EXPECT_EQ(first_error(R"({"stage": "distill"})"),
            "distill.teacher: empty (stage \"distill\" learns from a teacher: expected its run directory)");
  EXPECT_EQ(first_error(R"({"stage": "distill", "distill": {"teacher": "t", "loss": "ce"}})"),
            "distill.loss: \"ce\" on data \"task\" never reads the teacher (expected a divergence, data "
            "\"teacher_samples\", or distill.hidden_weight > 0)");
  EXPECT_EQ(first_error(R"({"stage": "distill", "data": {"task": "text", "corpus": "c.txt"},
            "distill": {"teacher": "t", "data": "teacher_samples"}})"),
            "distill.data: \"teacher_samples\" needs a verifier, and data.task \"text\" has none (expected task)");
  EXPECT_EQ(first_error(R"({"stage": "distill", "distill": {"teacher": "t", "data": "teacher_samples", "loss": "ce",
            "on_policy_fraction": 0.5}})").rfind("distill.on_policy_fraction: 0.5 trains on the student's own", 0), 0u);
  EXPECT_EQ(first_error(R"({"stage": "distill", "distill": {"teacher": "t", "dataset": "x.jsonl"}})"),
            "distill.dataset: set, but distill.data is \"task\" (expected \"teacher_samples\" or no dataset)");
  EXPECT_EQ(first_error(R"({"stage": "distill", "distill": {"teacher": "t", "loss": "jsd", "beta": 1.5}})").rfind(
                "distill.beta: ", 0), 0u);
  EXPECT_EQ(first_error(R"({"stage": "distill", "distill": {"teacher": "t", "loss": "kl"}})").rfind("distill.loss: ", 0),
            0u);
  // A student from scratch: distill needs no init.run.
  auto r = parse_experiment(R"({"stage": "distill", "distill": {"teacher": "t", "loss": "jsd", "beta": 0.1,
      "on_policy_fraction": 0.5, "hidden_weight": 1}})");
  ASSERT_TRUE(r.ok()) << r.errors.front().to_string();
  EXPECT_EQ(r.experiment.stage, Stage::Distill);
  EXPECT_EQ(r.experiment.distill.loss, DistillLoss::Jsd);
  EXPECT_EQ(r.experiment.distill.data, DistillData::Task);
  EXPECT_TRUE(r.experiment.init.run.empty());
}

TEST(Config, QuantGridsNeedRowsInWholeBlocksAQuantizedStepAndLearnedStepsAnIntegerGrid) {
  EXPECT_EQ(first_error(R"({"quant": {"weights": "q4_0"}, "model": {"d_model": 48, "n_heads": 4}})"),
            "quant.weights: q4_0 needs rows in blocks of 32, but model.d_model is 48");
  EXPECT_EQ(first_error(R"({"quant": {"weights": "int4", "group_size": 64}, "model": {"moe": {"expert_hidden": 96}}})"),
            "quant.group_size: 64 needs rows in blocks of 64, but model.moe.expert_hidden is 96");
  EXPECT_EQ(first_error(R"({"quant": {"activations": "q8_0"}, "model": {"attention": {"kind": "mla",
            "kv_lora_rank": 24}}})"),
            "quant.activations: q8_0 needs inputs in blocks of 32, but model.attention.kv_lora_rank is 24");
  EXPECT_EQ(first_error(R"({"quant": {"weights": "int8", "start_step": 200}})"),
            "quant.start_step: 200 leaves no quantized step (train.steps is 200)");
  EXPECT_EQ(first_error(R"({"quant": {"weights": "int9"}})").rfind("quant.weights: ", 0), 0u);
  EXPECT_EQ(first_error(R"({"quant": {"weights": "q4_0", "learned_steps": true}})"),
            "quant.learned_steps: true with quant.weights q4_0 (learned steps are built for int8 and int4 weights: a "
            "q8_0 / q4_0 GGUF export derives each block's scale from its values)");
  EXPECT_EQ(first_error(R"({"quant": {"activations": "int8", "learned_steps": true}})").rfind("quant.learned_steps: ", 0),
            0u);
  EXPECT_TRUE(parse_experiment(R"({"quant": {"weights": "int4", "learned_steps": true}})").ok());
  auto r = parse_experiment(R"({"quant": {"weights": "q8_0", "activations": "int8", "start_step": 50}})");
  ASSERT_TRUE(r.ok()) << r.errors.front().to_string();
  EXPECT_EQ(r.experiment.quant.weights, WeightQuant::Q8_0);
  EXPECT_EQ(r.experiment.quant.activations, ActivationQuant::Int8);
  EXPECT_TRUE(r.experiment.quant.experts);
  EXPECT_TRUE(r.experiment.quant.any());
  EXPECT_FALSE(Experiment().quant.any()) << "float by default";
}
