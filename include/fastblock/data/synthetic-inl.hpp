// fastblock/data/synthetic-inl.hpp — out-of-line definitions for data/synthetic.hpp.
//
// Included by synthetic.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/data/dataframe.hpp>
#include <fastblock/data/synthetic.hpp>

namespace fastblock {

FASTBLOCK_FUNC DataFrame synthetic_pascal_frame(const SyntheticPascalOptions& options) {
  const auto check = [](double p, const char* name) {
    if (!(p >= 0.0 && p <= 1.0))
      throw value_error(std::string("fastblock::synthetic_pascal_frame: ") + name +
                        " must be between 0 and 1, got " + std::to_string(p));
  };
  check(options.valid_fraction, "valid_fraction");
  check(options.empty_fraction, "empty_fraction");
  constexpr std::int64_t person = 14;  // index of "person" in pascal_classes
  Generator rng(options.seed);
  std::vector<std::string> fnames, labels;
  std::vector<bool> valid;
  fnames.reserve(options.n_rows);
  labels.reserve(options.n_rows);
  valid.reserve(options.n_rows);
  std::int64_t id = 5;
  for (std::size_t i = 0; i < options.n_rows; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%06lld.jpg", static_cast<long long>(id));
    fnames.emplace_back(name);
    id += rng.randint(1, 4);  // ids step by 1 to 3, as in the real file
    std::string row;
    if (rng.uniform() >= options.empty_fraction) {
      // One label 70% of the time, two 22%, three 8%; "person" is picked 40% of the time.
      const double u = rng.uniform();
      const int n = u < 0.70 ? 1 : (u < 0.92 ? 2 : 3);
      std::vector<std::int64_t> picked;
      while (static_cast<int>(picked.size()) < n) {
        const std::int64_t c = rng.uniform() < 0.4 ? person : rng.randint(0, 20);
        bool seen = false;
        for (const std::int64_t p : picked) seen = seen || p == c;
        if (!seen) picked.push_back(c);
      }
      for (const std::int64_t c : picked) {
        if (!row.empty()) row += ' ';
        row += pascal_classes[static_cast<std::size_t>(c)];
      }
    }
    labels.push_back(std::move(row));
    valid.push_back(rng.uniform() < options.valid_fraction);
  }
  return DataFrame({Column("fname", fnames), Column("labels", labels), Column("is_valid", valid)});
}

}  // namespace fastblock
