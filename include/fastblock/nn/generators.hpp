// fastblock/nn/generators.hpp — the random generators inside a model, by name.
//
// Contract: a layer that draws random numbers while it trains (Dropout) has
//   void visit_generators(const GeneratorVisitor& f, std::string_view prefix)
// calling f with its dotted name (as visit names parameters) and its Generator; containers
// (Sequential, the head) pass it on to their children. visit_generators(layer, f) calls it when
// the layer has it and does nothing otherwise, so layers without randomness need nothing.
// Learner::save stores each generator's state beside the weights, and Learner::load restores it:
// a resumed run draws the same dropout masks as one that never stopped.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <fastblock/core/random.hpp>

namespace fastblock {

/// What visit_generators calls: a generator's dotted name (e.g. "1.3") and the generator.
using GeneratorVisitor = std::function<void(const std::string& name, Generator& generator)>;

/// Calls `f` for each generator inside `layer` (see the contract); nothing when it has none.
template <class L>
void visit_generators(L& layer, const GeneratorVisitor& f, std::string_view prefix = "") {
  if constexpr (requires { layer.visit_generators(f, prefix); }) layer.visit_generators(f, prefix);
}

}  // namespace fastblock
