// fastblock/learner/progress.hpp — what a person sees while a learner trains.
//
// Contract: EpochTable prints fastai's epoch table exactly as fastprogress writes it to a console
// (not a notebook): a header whose names are padded to at least 8 characters and joined by two
// spaces, then one row per epoch whose cells are left-aligned under their names with two spaces
// after the longest of cell and name, so a log of ours lines up with a log of fastai's:
//
//     epoch     train_loss  valid_loss  accuracy_multi  time
//     0         0.942663    0.703737    0.233307        00:08
//
// Numbers print as fastai prints them (6 decimals; an integer column such as epoch as an
// integer), times as mm:ss (h:mm:ss past an hour). Rows are flushed as each epoch ends, so a
// long run shows progress in a log file too. While an epoch runs, a progress bar for its batches
// is drawn in place (fastprogress's console bar, `|████----| 45.00% [9/20 00:05<00:06 0.6234]`)
// only when standard output is a terminal: logs and CI output get the table alone.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include <fastblock/core/config.hpp>

namespace fastblock {

/// fastai's format_time: `mm:ss` below an hour, `h:mm:ss` above (seconds rounded down).
[[nodiscard]] std::string format_time(double seconds);

/// A float as fastai's epoch table writes it (`0.942663`); NaN and infinities as Python prints
/// them (`nan`, `inf`, `-inf`).
[[nodiscard]] std::string format_stat(double value);

/// fastprogress's console table (see the contract above).
class EpochTable {
 public:
  /// A table with columns `names` (fastai: epoch, train_loss, valid_loss, metrics..., time).
  explicit EpochTable(std::vector<std::string> names);
  /// The header line, without a newline.
  [[nodiscard]] std::string header() const;
  /// One row of already formatted cells (one per column; value_error otherwise), no newline.
  [[nodiscard]] std::string row(const std::vector<std::string>& cells) const;
  /// The column names.
  [[nodiscard]] const std::vector<std::string>& names() const noexcept { return names_; }

 private:
  std::vector<std::string> names_;   // as given
  std::vector<std::string> padded_;  // padded to at least 8 characters
};

/// Whether standard output is a terminal (progress bars are drawn only then).
[[nodiscard]] bool stdout_is_terminal() noexcept;

/// fastprogress's console progress bar, redrawn in place on a terminal.
class ProgressBar {
 public:
  /// A bar over `total` steps, drawn on `os` when `enabled`.
  ProgressBar(std::size_t total, bool enabled, std::ostream& os);
  /// Redraws the bar after `done` steps, `seconds` after the start, with `comment` (the
  /// smoothed loss) at its end.
  void update(std::size_t done, double seconds, const std::string& comment);
  /// Erases the bar, so the table row that follows starts on a clean line.
  void clear();
  /// The text of the bar after `done` of `total` steps (for tests): `|███---| 50.00% [1/2
  /// 00:01<00:01 0.5]`.
  [[nodiscard]] static std::string text(std::size_t done, std::size_t total, double seconds,
                                        const std::string& comment, std::size_t width = 40);

 private:
  std::size_t total_;
  bool enabled_;
  std::ostream* os_;
  std::size_t last_len_ = 0;
};

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/learner/progress-inl.hpp>
#endif
