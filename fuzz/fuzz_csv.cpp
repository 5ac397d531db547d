// fuzz/fuzz_csv.cpp — libFuzzer target for read_csv_string (data/csv.hpp).
//
// The first byte picks the options (delimiter and header), the rest is the CSV text. A frame that
// was read must survive a round trip: to_csv_string, read back, to_csv_string again gives the same
// text (a throw there, or a difference, is a finding). fastblock::error is the documented way to
// reject input and is swallowed; anything else (another exception, a sanitizer report) crashes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <fastblock/core/error.hpp>
#include <fastblock/data/csv.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr char delimiters[] = {',', '\t', ';', '|'};
  fastblock::CsvOptions options;
  options.delimiter = delimiters[data[0] & 3];
  options.header = (data[0] & 4) == 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  fastblock::DataFrame df;
  try {
    df = fastblock::read_csv_string(text, "fuzz.csv", options);
  } catch (const fastblock::error&) {
    return 0;
  }
  // What was read must be written and read back unchanged.
  const std::string once = fastblock::to_csv_string(df, options);
  std::string twice;
  try {
    twice = fastblock::to_csv_string(fastblock::read_csv_string(once, "roundtrip.csv", options),
                                     options);
  } catch (const fastblock::error& e) {
    std::fprintf(stderr, "fuzz_csv: to_csv_string's output does not read back: %s\n", e.what());
    std::abort();
  }
  if (once != twice) {
    std::fprintf(stderr, "fuzz_csv: the round trip changed the text\n");
    std::abort();
  }
  return 0;
}
