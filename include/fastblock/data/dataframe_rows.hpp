// fastblock/data/dataframe_rows.hpp — the rows of a DataFrame as a dataset.
//
// Contract: DataFrameRows owns a DataFrame (shared between copies, never modified) and is a
// Dataset whose item i is the Row `df.iloc(i)`: what fastai's get_x/get_y receive when a
// DataBlock's source is a DataFrame. A DataFrame itself is not a Dataset (`df["fname"]` names a
// column, not a row), which is why this wrapper exists. The rows it hands out are views into the
// shared frame: they stay valid while any copy of the DataFrameRows (or a Datasets holding one)
// does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#include <fastblock/data/dataframe.hpp>

namespace fastblock {

/// The rows of a DataFrame, as a Dataset of Row (see the contract above).
class DataFrameRows {
 public:
  /// Takes the frame (std::move it to avoid a copy).
  explicit DataFrameRows(DataFrame df) : df_(std::make_shared<const DataFrame>(std::move(df))) {}
  /// Shares a frame already held elsewhere.
  explicit DataFrameRows(std::shared_ptr<const DataFrame> df) : df_(std::move(df)) {}

  /// Row `i` (index_error when out of range).
  [[nodiscard]] Row operator[](std::size_t i) const {
    return df_->iloc(static_cast<std::int64_t>(i));
  }
  /// Number of rows.
  [[nodiscard]] std::size_t size() const noexcept { return df_->num_rows(); }
  /// The frame.
  [[nodiscard]] const DataFrame& frame() const noexcept { return *df_; }

 private:
  std::shared_ptr<const DataFrame> df_;
};

}  // namespace fastblock
