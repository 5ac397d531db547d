// fastblock/learner/progress-inl.hpp — definitions of progress.hpp.
#pragma once

#include <cmath>
#include <cstdio>
#include <ostream>
#if __has_include(<unistd.h>)
#include <unistd.h>
#endif
#include <string>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/learner/progress.hpp>

namespace fastblock {

FASTBLOCK_FUNC std::string format_time(double seconds) {
  if (!(seconds >= 0.0) || !std::isfinite(seconds)) seconds = 0.0;
  const auto t = static_cast<long long>(seconds);
  const long long h = t / 3600, m = (t / 60) % 60, s = t % 60;
  char buf[48];
  if (h != 0)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", h, m, s);
  else
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", m, s);
  return buf;
}

FASTBLOCK_FUNC std::string format_stat(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", value);
  return buf;
}

FASTBLOCK_FUNC EpochTable::EpochTable(std::vector<std::string> names) : names_(std::move(names)) {
  padded_.reserve(names_.size());
  for (const auto& n : names_)
    padded_.push_back(n.size() < 8 ? n + std::string(8 - n.size(), ' ') : n);
}

FASTBLOCK_FUNC std::string EpochTable::header() const {
  std::string out;
  for (std::size_t i = 0; i < padded_.size(); ++i) {
    if (i > 0) out += "  ";
    out += padded_[i];
  }
  return out;
}

FASTBLOCK_FUNC std::string EpochTable::row(const std::vector<std::string>& cells) const {
  if (cells.size() != padded_.size())
    throw value_error("fastblock::EpochTable::row: got " + std::to_string(cells.size()) +
                      " cells for " + std::to_string(padded_.size()) + " columns");
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    out += cells[i];
    // fastprogress: t + ' ' * (2 + len(name) - len(t)), where a negative count adds nothing.
    const auto width = padded_[i].size() + 2;
    if (cells[i].size() < width) out.append(width - cells[i].size(), ' ');
  }
  return out;
}

FASTBLOCK_FUNC bool stdout_is_terminal() noexcept {
#if __has_include(<unistd.h>)
  return ::isatty(STDOUT_FILENO) != 0;
#else
  return false;
#endif
}

FASTBLOCK_FUNC ProgressBar::ProgressBar(std::size_t total, bool enabled, std::ostream& os)
    : total_(total), enabled_(enabled && total > 0), os_(&os) {}

FASTBLOCK_FUNC std::string ProgressBar::text(std::size_t done, std::size_t total, double seconds,
                                             const std::string& comment, std::size_t width) {
  const double frac = total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
  const auto filled = static_cast<std::size_t>(frac * static_cast<double>(width));
  std::string out = "|";
  for (std::size_t i = 0; i < width; ++i) out += i < filled ? "\u2588" : "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "| %.2f%% [", 100.0 * frac);
  out += buf;
  out += std::to_string(done) + "/" + std::to_string(total) + " " + format_time(seconds);
  // fastprogress: the remaining time from the average so far, once a step is done
  const double remaining =
      done == 0 ? 0.0 : seconds / static_cast<double>(done) * static_cast<double>(total - done);
  out += "<" + format_time(remaining);
  if (!comment.empty()) out += " " + comment;
  return out + "]";
}

FASTBLOCK_FUNC void ProgressBar::update(std::size_t done, double seconds,
                                        const std::string& comment) {
  if (!enabled_) return;
  const std::string t = text(done, total_, seconds, comment);
  *os_ << '\r' << t;
  if (t.size() < last_len_) *os_ << std::string(last_len_ - t.size(), ' ');
  *os_ << std::flush;
  last_len_ = t.size();
}

FASTBLOCK_FUNC void ProgressBar::clear() {
  if (!enabled_ || last_len_ == 0) return;
  *os_ << '\r' << std::string(last_len_, ' ') << '\r' << std::flush;
  last_len_ = 0;
}

}  // namespace fastblock
