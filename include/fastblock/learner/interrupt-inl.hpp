// fastblock/learner/interrupt-inl.hpp — the non-template parts of interrupt.hpp.
#pragma once

#include <csignal>

#include <fastblock/learner/interrupt.hpp>

namespace fastblock::detail {

FASTBLOCK_FUNC void SigintGuard::record(int) noexcept {
  sigint_received = 1;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the program
}

FASTBLOCK_FUNC SigintGuard::SigintGuard() {
  sigint_received = 0;
  previous_ = std::signal(SIGINT, record);
}

FASTBLOCK_FUNC SigintGuard::~SigintGuard() {
  std::signal(SIGINT, previous_ == SIG_ERR ? SIG_DFL : previous_);
  sigint_received = 0;
}

FASTBLOCK_FUNC bool SigintGuard::take() noexcept {
  if (sigint_received == 0) return false;
  sigint_received = 0;
  std::signal(SIGINT, record);
  return true;
}

}  // namespace fastblock::detail
