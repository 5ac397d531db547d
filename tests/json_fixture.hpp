// Reads a committed JSON fixture (tests/golden/...), failing the test when it is missing.
#pragma once

#include <filesystem>
#include <fstream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "catch.hpp"

namespace fastblock_test {

/// The JSON document at tests/golden/<relative>.
inline nlohmann::json load_json_fixture(std::string_view relative) {
  const auto path = std::filesystem::path(FASTBLOCK_TEST_DATA_DIR) / "golden" / relative;
  std::ifstream in(path);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

}  // namespace fastblock_test
