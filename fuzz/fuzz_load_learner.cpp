// fuzz/fuzz_load_learner.cpp — libFuzzer target for load_learner (learner/load_learner.hpp).
//
// The input is the spec (the JSON text export_learner stores under the "fastblock.learner"
// metadata key). Each run writes a safetensors file holding that spec and the weights of one fixed
// small architecture (a basic-block ResNet with layers {1, 1, 1, 1}, 3 input channels, 2 outputs,
// fastai's head without hidden layers: the seeds in fuzz/corpus/load_learner describe it), so a
// spec that keeps the model the seeds describe gets past the weight check and on to the input
// block, the transforms, the target, the loss and the thresholds. The file goes through the
// public path, read_safetensors included. The safetensors reader itself is fuzzed on raw bytes by
// fuzz_safetensors.
//
// Set FUZZ_LOAD_LEARNER_SKIP_BIG_MODELS=1 to skip specs whose model would be larger than the one
// the weights are for (see fuzz/README.md, finding load_learner-1: load_learner builds the model
// the spec declares before checking the weights, so a tiny file can ask for terabytes).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include <fastblock/core/error.hpp>
#include <fastblock/io/safetensors.hpp>
#include <fastblock/learner/load_learner.hpp>
#include <fastblock/nn/weights.hpp>

namespace {

const fastblock::StateDict& weights() {
  static const fastblock::StateDict dict = [] {
    fastblock::ModelSpec spec;
    spec.block = "basic";
    spec.layers = {1, 1, 1, 1};
    spec.in_channels = 3;
    spec.n_out = 2;
    spec.head.lin_ftrs = {};
    spec.head.ps = {0.5};
    spec.head.concat_pool = true;
    spec.head.first_bn = true;
    spec.head.bn_final = false;
    auto model = fastblock::detail::build_model<fastblock::BasicBlock>(spec);
    return std::visit([](auto& net) { return fastblock::state_dict(net); }, model);
  }();
  return dict;
}

const std::filesystem::path& file_path() {
  static const std::filesystem::path path = [] {
    const std::filesystem::path dir =
        std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    return dir / ("fastblock_fuzz_load_learner_" + std::to_string(::getpid()) + ".safetensors");
  }();
  static const bool cleanup = [] {
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    });
    return true;
  }();
  (void)cleanup;
  return path;
}

// Known finding load_learner-1: a model bigger than the weights' is built before the check.
bool too_big(const std::string& text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("model") || !j["model"].is_object()) return false;
  const auto& m = j["model"];
  const auto big = [](const nlohmann::json& v, std::int64_t limit) {
    return v.is_number() && !(v.is_number_integer() && v.get<std::int64_t>() <= limit) &&
           !(v.is_number_unsigned() && v.get<std::uint64_t>() <= static_cast<std::uint64_t>(limit));
  };
  if (m.contains("layers") && m["layers"].is_array())
    for (const auto& l : m["layers"])
      if (big(l, 2)) return true;
  if (m.contains("in_channels") && big(m["in_channels"], 64)) return true;
  if (m.contains("n_out") && big(m["n_out"], 4096)) return true;
  if (m.contains("head") && m["head"].is_object() && m["head"].contains("lin_ftrs") &&
      m["head"]["lin_ftrs"].is_array()) {
    if (m["head"]["lin_ftrs"].size() > 4) return true;
    for (const auto& l : m["head"]["lin_ftrs"])
      if (big(l, 4096)) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool skip_big = [] {
    const char* v = std::getenv("FUZZ_LOAD_LEARNER_SKIP_BIG_MODELS");
    return v != nullptr && std::string(v) == "1";
  }();
  static const bool verbose = std::getenv("FUZZ_VERBOSE") != nullptr;
  const std::string spec(reinterpret_cast<const char*>(data), size);
  if (skip_big && too_big(spec)) return 0;
  try {
    fastblock::save_safetensors(weights(), file_path(),
                                {{"format", "fastblock.learner"}, {"fastblock.learner", spec}});
  } catch (const fastblock::value_error&) {
    return 0;  // not UTF-8: the writer refuses it, so no export can hold it
  }
  try {
    const fastblock::LoadedLearner learn = fastblock::load_learner(file_path());
    (void)learn.model_spec();
  } catch (const fastblock::error& e) {
    if (verbose) std::fprintf(stderr, "fuzz_load_learner: %s\n", e.what());
  }
  return 0;
}
