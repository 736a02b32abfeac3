// Pins the schema's single source of truth (config/config_schema.h): each row's default is its
// field in a default-constructed Experiment, parsing "{}" fills exactly those, and an enum field
// holds a C++ enum parsed once, so a misspelt choice is an error naming its path.
#include "core/config/config_schema.h"
#include "core/config/config.h"
#include "core/config/config_rules.h"

#include <gtest/gtest.h>

using namespace r1wb;

TEST(ConfigSchema, SchemaAndStructDefaultsAreTheSameByConstruction) {
  const Experiment fresh;
  const auto parsed = parse_experiment("{}");
  ASSERT_TRUE(parsed.ok());
  for (const auto& f : experiment_schema()) {
    ASSERT_TRUE(f.read) << f.path;
    EXPECT_EQ(f.read(fresh), f.default_value) << f.path;
    EXPECT_EQ(f.read(parsed.experiment), f.default_value) << f.path << ": parsing {} fills the struct's default";
    EXPECT_EQ(value_at(parsed.resolved, f.path), f.default_value) << f.path << ": the resolved document too";
  }
  // The disagreements of old: a bare MoeConfig routed with top_k 0 and an empty score_func.
  EXPECT_EQ(MoeConfig{}.top_k, find_field("model.moe.top_k")->default_value.get<int>());
  EXPECT_EQ(name_of(MoeConfig{}.score_func), find_field("model.moe.score_func")->default_value.get<std::string>());
}

TEST(ConfigSchema, EveryFieldAssignsWhatItReads) {
  // A value other than the default goes in through assign and comes back out through read.
  for (const auto& f : experiment_schema()) {
    Experiment e;
    nlohmann::json other;
    switch (f.type) {
      case FieldType::Int: other = int(f.min.value_or(0)) + 1; break;
      case FieldType::Float: other = f.min.value_or(0) + 0.5 * (f.max.value_or(1) - f.min.value_or(0)); break;
      case FieldType::Bool: other = !f.default_value.get<bool>(); break;
      case FieldType::String: other = "x"; break;
      case FieldType::Enum: other = f.choices.back(); break;
      case FieldType::List:
        other = nlohmann::json::array({{{"until", 1.0}, {"loss_below", 0.0}, {"mix", {{"1", 1.0}}}}});
        break;
    }
    f.assign(e, other);
    EXPECT_EQ(f.read(e), other) << f.path;
  }
}

TEST(ConfigSchema, AnEnumFieldWithABadValueNamesItsPathAndChoices) {
  const auto r = parse_experiment(R"({"model": {"moe": {"score_func": "softmx"}}, "train": {"precision": "fp8"}})");
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].path, "model.moe.score_func");
  EXPECT_NE(r.errors[0].message.find("\"softmx\""), std::string::npos) << r.errors[0].message;
  EXPECT_NE(r.errors[0].message.find("\"softmax\", \"sigmoid\""), std::string::npos) << r.errors[0].message;
  EXPECT_EQ(r.errors[1].path, "train.precision");
  EXPECT_NE(r.errors[1].message.find("\"fp32\", \"bf16\", \"fp16\""), std::string::npos) << r.errors[1].message;
}

TEST(ConfigSchema, EnumsParseOnceIntoTheirValues) {
  const auto r = parse_experiment(R"({"model": {"attention": {"kind": "mla"}, "moe": {"score_func": "sigmoid"}},
                                      "train": {"lr_schedule": "cosine_restarts", "precision": "bf16"}})");
  ASSERT_TRUE(r.ok()) << r.errors[0].to_string();
  EXPECT_EQ(r.experiment.model.attention.kind, AttentionKind::Mla);
  EXPECT_EQ(r.experiment.model.moe.score_func, ScoreFunc::Sigmoid);
  EXPECT_EQ(r.experiment.train.lr_schedule, LrSchedule::CosineRestarts);
  EXPECT_EQ(r.experiment.train.precision, Precision::Bf16);
  EXPECT_FALSE(parse_enum<Precision>("FP16")) << "names are exact";
}

TEST(ConfigSchema, CrossFieldRulesArePerSection) {
  std::vector<std::string> sections;
  for (const auto& s : section_rules()) sections.push_back(s.section);
  EXPECT_EQ(sections, (std::vector<std::string>{"name", "stage", "model", "data", "curriculum", "train", "rl", "quant", "distill"}));
  Experiment e;
  e.model.moe.top_k = 9;
  std::vector<ConfigError> errors;
  section_rules()[2].check(e, errors);
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].path, "model.moe.top_k");
}
