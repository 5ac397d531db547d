// fastblock/learner/interrupt.hpp — Ctrl-C (SIGINT) during a fit stops it after the current batch.
//
// Contract: while a SigintGuard lives (the Learner holds one for each fit and lr_find), SIGINT
// does not kill the program: the handler only records it, and the training loop, which checks
// pending() after every batch, stops the fit there, says where on standard error and leaves the
// learner usable (its weights are those after that batch). The handler re-arms the default
// action, so a second Ctrl-C ends the program as usual. The guard restores the handler it
// replaced. The flag is the library's one piece of global mutable state tied to a signal: a
// handler can reach nothing else.
#pragma once

#include <csignal>

#include <fastblock/core/config.hpp>

namespace fastblock::detail {

/// Set by the SIGINT handler, cleared by the guard; volatile sig_atomic_t, as a handler may only
/// write that.
inline volatile std::sig_atomic_t sigint_received = 0;

/// Installs the recording SIGINT handler for its lifetime (see the contract above).
class SigintGuard {
 public:
  /// Installs the handler; a signal recorded before is forgotten.
  SigintGuard();
  /// Restores the previous handler.
  ~SigintGuard();
  SigintGuard(const SigintGuard&) = delete;
  SigintGuard& operator=(const SigintGuard&) = delete;

  /// Whether SIGINT arrived since the guard was made (or since the last take()).
  [[nodiscard]] static bool pending() noexcept { return sigint_received != 0; }
  /// pending(), clearing it and re-installing the handler, so that a later fit can be stopped too.
  bool take() noexcept;

 private:
  /// The handler: records the signal and re-arms the default action.
  static void record(int) noexcept;
  using Handler = void (*)(int);
  Handler previous_;
};

}  // namespace fastblock::detail

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/learner/interrupt-inl.hpp>
#endif
