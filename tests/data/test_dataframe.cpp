// Tests for data/dataframe.hpp and data/csv.hpp: the seed's pandas snippets, RFC 4180 corner
// cases, every error message, and printing checked byte for byte against pandas itself.
//
// tests/data/dataframe_golden.txt holds pandas 1.5's own output, written by
// tests/data/make_dataframe_golden.py; frame_golden_builders() below rebuilds each case by the same
// formula.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <random>
#include <ranges>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "test_support.hpp"

#include <fastblock/data/csv.hpp>
#include <fastblock/data/dataframe.hpp>

#ifndef FASTBLOCK_TEST_DATA_DIR
#error "FASTBLOCK_TEST_DATA_DIR must name the tests/ directory"
#endif

namespace {

using namespace fastblock;
using fastblock_test::error_of;
using fastblock_test::TempDir;
namespace fs = std::filesystem;

/// The first five rows of PASCAL 2007's train.csv, as the seed shows them.
constexpr std::string_view kSeedCsv =
    "fname,labels,is_valid\n"
    "000005.jpg,chair,True\n"
    "000007.jpg,car,True\n"
    "000009.jpg,horse person,True\n"
    "000012.jpg,car,False\n"
    "000016.jpg,bicycle,True\n";

DataFrame seed5() { return read_csv_string(kSeedCsv, "train.csv"); }

std::string csv_error(std::string_view text, CsvOptions options = {}) {
  return error_of<data_error>([&] { read_csv_string(text, "train.csv", options); });
}

std::vector<std::string> strings(std::initializer_list<const char*> items) {
  return {items.begin(), items.end()};
}

// --- The objects of make_dataframe_golden.py ----------------------------------------------------

const std::vector<std::string> kLabels = {"chair", "car",       "horse person",      "bicycle",
                                          "dog",   "tvmonitor", "bottle pottedplant"};

DataFrame pascal(int n) {
  std::vector<std::string> fname, labels, is_valid;
  for (int i = 0; i < n; ++i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%06d.jpg", i * 2 + 5);
    fname.emplace_back(buf);
    labels.push_back(kLabels[static_cast<std::size_t>(i % 7)]);
    is_valid.emplace_back(i % 3 == 0 ? "True" : "False");
  }
  return DataFrame({{"fname", fname}, {"labels", labels}, {"is_valid", is_valid}});
}

DataFrame tmp_df() { return DataFrame({{"a", {1, 2}}, {"b", {3, 4}}}); }

DataFrame tmp_df_c() {
  DataFrame df = tmp_df();
  df["c"] = df["a"] + df["b"];
  return df;
}

DataFrame divided() {
  DataFrame df({{"a", strings({"1", "2", "10", "0"})}, {"b", strings({"4", "3", "1e-05", "0"})}});
  df["q"] = df["a"] / df["b"];
  return df;
}

DataFrame wide(int rows, int cols) {
  std::vector<Column> columns;
  for (int j = 0; j < cols; ++j) {
    std::vector<std::string> values;
    for (int i = 0; i < rows; ++i)
      values.push_back("v" + std::to_string(i) + "_" + std::to_string(j));
    columns.emplace_back("col" + std::to_string(j), values);
  }
  return DataFrame(std::move(columns));
}

Column numbered(int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back(std::to_string(i * i));
  return Column("sq", v);
}

Column digits(int n, std::string name = "d") {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back(std::to_string(i % 10));
  return Column(std::move(name), v);
}

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

const std::string kE = "\xC3\xA9";  // é

DataFrame odd_cells_full() {
  std::vector<std::string> text = {
      "line1\nline2", "tab\there", "cr\rend", "", repeat(kE, 60), "na\xC3\xAFve caf\xC3\xA9"};
  return DataFrame({{"text", text}, {"n", {1, 2, 3, 4, 5, 6}}});
}

DataFrame long_header() {
  return DataFrame({{std::string(60, 'a'), strings({"x", "y"})},
                    {"b", std::vector<std::string>{std::string(70, 'z'), "q"}}});
}

DataFrame empty_named() {
  return DataFrame({{"a", std::vector<std::string>{}}, {"b", std::vector<std::string>{}}});
}

/// Each golden case's text as fastblock prints it, by id.
std::map<std::string, std::function<std::string(const DisplayOptions&)>> frame_golden_builders() {
  using O = const DisplayOptions&;
  const auto valid = [](const DataFrame& df) { return df.filter(df["is_valid"] == "True"); };
  return {
      {"seed5", [](O o) { return repr(seed5(), o); }},
      {"seed5_fname", [](O o) { return repr(seed5()["fname"], o); }},
      {"seed5_row0",
       [](O o) {
         const auto df = seed5();
         return repr(df.iloc(0), o);
       }},
      {"seed5_row_neg1",
       [](O o) {
         const auto df = seed5();
         return repr(df.iloc(-1), o);
       }},
      {"seed5_head2", [](O o) { return repr(seed5().head(2), o); }},
      {"seed5_iloc_1_4",
       [](O o) {
         return repr(seed5().iloc(Slice{1, 4}), o);
       }},
      {"seed5_valid", [=](O o) { return repr(valid(seed5()), o); }},
      {"seed5_valid_fname", [=](O o) { return repr(valid(seed5())["fname"], o); }},
      {"seed5_train_row",
       [](O o) {
         const auto df = seed5();
         const auto train = df.filter(df["is_valid"] == "False");
         return repr(train.iloc(0), o);
       }},
      {"seed5_empty",
       [](O o) {
         const auto df = seed5();
         return repr(df.filter(df["is_valid"] == "nope"), o);
       }},
      {"seed5_empty_fname",
       [](O o) {
         const auto df = seed5();
         return repr(df.filter(df["is_valid"] == "nope")["fname"], o);
       }},
      {"seed5_mask", [](O o) { return repr(seed5()["is_valid"] == "True", o); }},
      {"tmp_df", [](O o) { return repr(tmp_df(), o); }},
      {"tmp_df_c", [](O o) { return repr(tmp_df_c(), o); }},
      {"tmp_df_c_unnamed",
       [](O o) {
         auto df = tmp_df();
         return repr(df["a"] + df["b"], o);
       }},
      {"divided", [](O o) { return repr(divided(), o); }},
      {"pascal5011", [](O o) { return repr(pascal(5011), o); }},
      {"pascal5011_fname", [](O o) { return repr(pascal(5011)["fname"], o); }},
      {"pascal5011_row_last",
       [](O o) {
         const auto df = pascal(5011);
         return repr(df.iloc(-1), o);
       }},
      {"pascal5011_tail3", [](O o) { return repr(pascal(5011).tail(3), o); }},
      {"pascal60", [](O o) { return repr(pascal(60), o); }},
      {"pascal61", [](O o) { return repr(pascal(61), o); }},
      {"pascal5011_valid", [=](O o) { return repr(valid(pascal(5011)), o); }},
      {"sq60", [](O o) { return repr(numbered(60), o); }},
      {"sq61", [](O o) { return repr(numbered(61), o); }},
      {"digits100", [](O o) { return repr(digits(100), o); }},
      {"digits100_frame",
       [](O o) {
         return repr(DataFrame({digits(100, "a"), digits(100, "b")}), o);
       }},
      {"wide3x14", [](O o) { return repr(wide(3, 14), o); }},
      {"wide70x12", [](O o) { return repr(wide(70, 12), o); }},
      {"wide2x30", [](O o) { return repr(wide(2, 30), o); }},
      {"wide2x7", [](O o) { return repr(wide(2, 7), o); }},
      {"long_header", [](O o) { return repr(long_header(), o); }},
      {"long_header_row0",
       [](O o) {
         const auto df = long_header();
         return repr(df.iloc(0), o);
       }},
      {"odd_cells", [](O o) { return repr(odd_cells_full(), o); }},
      {"odd_cells_text", [](O o) { return repr(odd_cells_full()["text"], o); }},
      {"empty_named", [](O o) { return repr(empty_named(), o); }},
      {"empty_frame", [](O o) { return repr(DataFrame(), o); }},
      {"empty_series", [](O o) { return repr(Column("fname", std::vector<std::string>{}), o); }},
      {"pascal20_max6", [](O o) { return repr(pascal(20), o); }},
      {"pascal20_max6_min4", [](O o) { return repr(pascal(20), o); }},
      {"pascal20_fname_max5", [](O o) { return repr(pascal(20)["fname"], o); }},
      {"pascal20_fname_max1", [](O o) { return repr(pascal(20)["fname"], o); }},
      {"pascal20_max1", [](O o) { return repr(pascal(20), o); }},
      {"pascal20_unlimited", [](O o) { return repr(pascal(20), o); }},
      {"seed5_width30", [](O o) { return repr(seed5(), o); }},
      {"wide3x14_width40", [](O o) { return repr(wide(3, 14), o); }},
      {"seed5_colwidth6", [](O o) { return repr(seed5(), o); }},
      {"odd_cells_colwidth0", [](O o) { return repr(odd_cells_full(), o); }},
  };
}

struct FrameGoldenCase {
  DisplayOptions options;
  std::string text;
};

/// The cases of dataframe_golden.txt by id, with the options named on their `#case` lines.
std::map<std::string, FrameGoldenCase> load_golden() {
  std::ifstream in(std::string(FASTBLOCK_TEST_DATA_DIR) + "/data/dataframe_golden.txt",
                   std::ios::binary);
  REQUIRE(in);
  std::map<std::string, FrameGoldenCase> cases;
  std::string line, id;
  FrameGoldenCase current;
  bool in_case = false;
  bool first_line = true;
  while (std::getline(in, line)) {
    if (!in_case && line.rfind("#case ", 0) == 0) {
      std::istringstream words(line.substr(6));
      words >> id;
      current = FrameGoldenCase{};
      in_case = first_line = true;
      for (std::string kv; words >> kv;) {
        const auto eq = kv.find('=');
        const std::string key = kv.substr(0, eq);
        const auto value = static_cast<std::size_t>(std::stoul(kv.substr(eq + 1)));
        if (key == "max_rows") current.options.max_rows = value;
        if (key == "min_rows") current.options.min_rows = value;
        if (key == "max_colwidth") current.options.max_colwidth = value;
        if (key == "width") current.options.width = value;
      }
    } else if (in_case && line == "#end") {
      cases[id] = current;
      in_case = false;
    } else if (in_case) {
      current.text += (first_line ? "" : "\n") + line;
      first_line = false;
    }
  }
  return cases;
}

}  // namespace

TEST_CASE("printing matches pandas 1.5 byte for byte", "[data][print]") {
  const auto golden = load_golden();
  const auto builders = frame_golden_builders();
  REQUIRE(golden.size() == builders.size());
  for (const auto& [id, expected] : golden) {
    INFO("case " << id);
    REQUIRE(builders.count(id) == 1);
    CHECK(builders.at(id)(expected.options) == expected.text);
  }
}

TEST_CASE("operator<< prints repr with the default options", "[data][print]") {
  auto df = seed5();
  std::ostringstream os;
  os << df << '\n' << df["fname"] << '\n' << df.iloc(0) << '\n' << (df["is_valid"] == "True");
  CHECK(os.str() == repr(df) + '\n' + repr(df["fname"]) + '\n' + repr(df.iloc(0)) + '\n' +
                        repr(df["is_valid"] == "True"));
}

TEST_CASE("the seed's snippets", "[data][seed]") {
  TempDir dir;
  const fs::path path = dir.path();
  dir.write("train.csv", kSeedCsv);

  // df = pd.read_csv(path/'train.csv')
  auto df = read_csv(path / "train.csv");
  CHECK(df.shape() == std::pair<std::size_t, std::size_t>{5, 3});
  CHECK(df.columns() == strings({"fname", "labels", "is_valid"}));
  CHECK(repr(df) ==
        "        fname        labels is_valid\n"
        "0  000005.jpg         chair     True\n"
        "1  000007.jpg           car     True\n"
        "2  000009.jpg  horse person     True\n"
        "3  000012.jpg           car    False\n"
        "4  000016.jpg       bicycle     True");

  // df['fname']
  const Column& fname = df["fname"];
  CHECK(fname.name() == "fname");
  CHECK(fname[0] == "000005.jpg");
  CHECK(repr(df["fname"]) ==
        "0    000005.jpg\n1    000007.jpg\n2    000009.jpg\n3    000012.jpg\n4    000016.jpg\n"
        "Name: fname, dtype: object");

  // df.iloc[0,:] / df.iloc[0]
  const Row r = df.iloc(0);
  CHECK(repr(r) ==
        "fname       000005.jpg\nlabels           chair\nis_valid          True\n"
        "Name: 0, dtype: object");
  CHECK(repr(df.row(0)) == repr(r));
  CHECK(r["labels"] == "chair");

  // tmp_df = pd.DataFrame({'a':[1,2], 'b':[3,4]}); tmp_df['c'] = tmp_df['a']+tmp_df['b']
  DataFrame tmp_df({{"a", {1, 2}}, {"b", {3, 4}}});
  CHECK(repr(tmp_df) == "   a  b\n0  1  3\n1  2  4");
  tmp_df["c"] = tmp_df["a"] + tmp_df["b"];
  CHECK(repr(tmp_df) == "   a  b  c\n0  1  3  4\n1  2  4  6");

  // def splitter(df): train = df.index[~df['is_valid']].tolist(); valid = ...
  const auto train = df.index_where(~df["is_valid"].as<bool>());
  const auto valid = df.index_where(df["is_valid"].as<bool>());
  CHECK(train == std::vector<std::int64_t>{3});
  CHECK(valid == std::vector<std::int64_t>{0, 1, 2, 4});

  // get_x / get_y of the DataBlock: r['fname'], r['labels'].split(' ')
  CHECK(df.iloc(2)["labels"] == "horse person");
  CHECK(len(df) == 5);
}

TEST_CASE("read_csv: RFC 4180 quoting", "[data][csv]") {
  SECTION("quoted fields with delimiters, doubled quotes and line breaks") {
    const auto df = read_csv_string(
        "a,b\n"
        "\"x,y\",\"say \"\"hi\"\"\"\n"
        "\"line1\nline2\",\"crlf\r\ninside\"\n"
        "\"cr\rinside\",\"\"\n");
    REQUIRE(df.shape() == std::pair<std::size_t, std::size_t>{3, 2});
    CHECK(df.iloc(0, 0) == "x,y");
    CHECK(df.iloc(0, 1) == "say \"hi\"");
    CHECK(df.iloc(1, 0) == "line1\nline2");
    CHECK(df.iloc(1, 1) == "crlf\r\ninside");
    CHECK(df.iloc(2, 0) == "cr\rinside");
    CHECK(df.iloc(2, 1).empty());
  }
  SECTION("quoted header names") {
    const auto df = read_csv_string("\"first name\",\"a,b\"\n1,2\n");
    CHECK(df.columns() == strings({"first name", "a,b"}));
  }
  SECTION("CRLF, CR and LF line ends, mixed") {
    const auto expected = read_csv_string("a,b\n1,2\n3,4\n5,6\n");
    CHECK(read_csv_string("a,b\r\n1,2\r\n3,4\r\n5,6\r\n").equals(expected));
    CHECK(read_csv_string("a,b\r1,2\r3,4\r5,6\r").equals(expected));
    CHECK(read_csv_string("a,b\r\n1,2\r3,4\n5,6").equals(expected));
  }
  SECTION("a UTF-8 byte-order mark is skipped") {
    const auto df = read_csv_string(
        "\xEF\xBB\xBF"
        "fname,labels\n000005.jpg,chair\n");
    CHECK(df.columns() == strings({"fname", "labels"}));
    CHECK(df["fname"][0] == "000005.jpg");
  }
  SECTION("the last newline is optional") {
    const auto with = read_csv_string("a,b\n1,2\n");
    const auto without = read_csv_string("a,b\n1,2");
    CHECK(without.equals(with));
    const auto quoted_last = read_csv_string("a,b\n1,\"2\"");
    CHECK(quoted_last.iloc(0, 1) == "2");
  }
  SECTION("empty fields, the last one included") {
    const auto df = read_csv_string("a,b,c\n,,\n1,,\n,2,\n1,2,\n1,2,");
    REQUIRE(df.num_rows() == 5);
    CHECK(df["a"].tolist() == strings({"", "1", "", "1", "1"}));
    CHECK(df["b"].tolist() == strings({"", "", "2", "2", "2"}));
    CHECK(df["c"].tolist() == strings({"", "", "", "", ""}));
  }
  SECTION("a header alone gives a frame without rows") {
    const auto df = read_csv_string("fname,labels,is_valid\n");
    CHECK(df.shape() == std::pair<std::size_t, std::size_t>{0, 3});
    CHECK(read_csv_string("fname,labels,is_valid").num_columns() == 3);
  }
  SECTION("in a single column a blank line is an empty cell, not a skipped row") {
    const auto df = read_csv_string("name\nx\n\ny\n");
    CHECK(df["name"].tolist() == strings({"x", "", "y"}));
  }
  SECTION("cells are kept byte for byte: spaces, UTF-8, no type inference") {
    const auto df = read_csv_string("a,b\n 1 ,caf\xC3\xA9\n007,1e3\n");
    CHECK(df.iloc(0, 0) == " 1 ");
    CHECK(df.iloc(0, 1) == "caf\xC3\xA9");
    CHECK(df.iloc(1, 0) == "007");
  }
  SECTION("other delimiters and no header") {
    const auto tsv = read_csv_string("a\tb\n1,5\t2\n", "<tsv>", CsvOptions{'\t', true});
    CHECK(tsv.iloc(0, 0) == "1,5");
    const auto plain = read_csv_string("x,y\n1,2\n", "<s>", CsvOptions{',', false});
    CHECK(plain.columns() == strings({"0", "1"}));
    CHECK(plain["0"].tolist() == strings({"x", "1"}));
    CHECK(read_csv_string("", "<s>", CsvOptions{',', false}).empty());
  }
}

TEST_CASE("read_csv: fields of every length end at the right byte", "[data][csv]") {
  // The unquoted scan reads eight bytes at a time; every field length around that width, with
  // each kind of terminator, must split exactly where the byte-at-a-time reading would.
  for (std::size_t len = 0; len <= 20; ++len) {
    const std::string cell(len, 'x');
    for (const std::string_view end : {"\n", "\r\n", "\r"}) {
      INFO("length " << len << ", line end of " << end.size() << " bytes");
      const std::string text = "a,b\n" + cell + "," + cell + std::string(end) + cell + ",y";
      const auto df = read_csv_string(text);
      REQUIRE(df.num_rows() == 2);
      CHECK(df["a"].tolist() == std::vector<std::string>{cell, cell});
      CHECK(df["b"].tolist() == std::vector<std::string>{cell, "y"});
    }
    CHECK(read_csv_string("a,b\n" + cell + "," + cell)["b"].tolist() ==
          std::vector<std::string>{cell});
    if (len == 0) continue;  // a quote that starts a field opens a quoted field
    INFO("stray quote after " << len << " bytes");
    CHECK(csv_error("a\n" + cell + "\"z\n") ==
          "train.csv:2:" + std::to_string(len + 1) +
              ": quote inside an unquoted field; quote the whole field and double the quote "
              "(\"a\"\"b\")");
  }
}

TEST_CASE("read_csv: every bad input names file, line and column", "[data][csv][errors]") {
  CHECK(csv_error("fname,labels,is_valid\n000005.jpg,chair,True\n000007.jpg,car\n") ==
        "train.csv:3: row has 2 fields, expected 3 (fname,labels,is_valid)");
  CHECK(csv_error("a,b\n1,2,3\n") == "train.csv:2: row has 3 fields, expected 2 (a,b)");
  CHECK(csv_error("a,b\n1\n") == "train.csv:2: row has 1 field, expected 2 (a,b)");
  CHECK(csv_error("a,b\n1,2\n\n") == "train.csv:3: row is blank, expected 2 (a,b)");
  CHECK(csv_error("a,b\r\n1,2\r\n\r\n3,4\r\n") == "train.csv:3: row is blank, expected 2 (a,b)");
  // The line of a row counts the line breaks inside earlier quoted fields.
  CHECK(csv_error("a,b\n\"x\ny\",1\n\"p\r\nq\",2\n3\n") ==
        "train.csv:6: row has 1 field, expected 2 (a,b)");
  CHECK(csv_error("a,b\n1,2\n3,\"open\nstill open\n") ==
        "train.csv:3:3: unterminated quoted field: this quote is never closed");
  CHECK(csv_error("a,b\n1,ab\"c\n") ==
        "train.csv:2:5: quote inside an unquoted field; quote the whole field and double the "
        "quote (\"a\"\"b\")");
  CHECK(csv_error("a,b\n1,\"ab\"c\n") ==
        "train.csv:2:7: expected ',' or end of line after the closing quote of a field, found 'c'");
  CHECK(csv_error("a,b\n1,\"ab\" \n") ==
        "train.csv:2:7: expected ',' or end of line after the closing quote of a field, found ' '");
  CHECK(csv_error("fname,,is_valid\n") ==
        "train.csv:1:7: empty column name in the header (column 2)");
  CHECK(csv_error("fname,labels,fname\n") ==
        "train.csv:1:14: duplicate column name 'fname' in the header (columns 1 and 3)");
  CHECK(csv_error("") ==
        "train.csv:1:1: the input is empty; expected a header row naming the columns");
  // Columns count characters, not bytes, and not the byte-order mark.
  CHECK(csv_error("\xEF\xBB\xBF"
                  "caf\xC3\xA9,x\"\n") ==
        "train.csv:1:7: quote inside an unquoted field; quote the whole field and double the "
        "quote (\"a\"\"b\")");
  CHECK(error_of<value_error>([] {
          read_csv_string("a\n", "s", CsvOptions{'"', true});
        }) == "read_csv: the delimiter cannot be a quote or a line break");

  TempDir dir;
  const auto bad = dir.write("train.csv", "a,b\n1\n");
  CHECK(error_of<data_error>([&] { read_csv(bad); }) ==
        bad.string() + ":2: row has 1 field, expected 2 (a,b)");
  const auto missing = dir.path() / "missing.csv";
  CHECK(error_of<io_error>([&] { read_csv(missing); }) ==
        "read_csv: cannot read '" + missing.string() + "': No such file or directory");
  CHECK(error_of<io_error>([&] {
          read_csv(dir.path());
        }).find("read_csv: cannot read '" + dir.path().string() + "'") == 0);
}

TEST_CASE("read_csv and to_csv round-trip 100k generated rows", "[data][csv]") {
  // Rows like PASCAL's train.csv, with every kind of field the writer must quote.
  std::mt19937 rng(7);
  std::vector<std::string> fname, labels, is_valid;
  std::string text = "fname,labels,is_valid\n";
  const std::vector<std::string> kinds = {
      "dog", "horse person", "a,b", "say \"hi\"", "two\nlines", "", "crlf\r\nend", "caf\xC3\xA9"};
  for (int i = 0; i < 100000; ++i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%06d.jpg", i);
    fname.emplace_back(buf);
    labels.push_back(kinds[rng() % kinds.size()]);
    is_valid.emplace_back(rng() % 2 ? "True" : "False");
    std::string quoted = labels.back();
    if (quoted.find_first_of(",\"\r\n") != std::string::npos) {
      std::string q = "\"";
      for (const char c : quoted) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      quoted = q + "\"";
    }
    text += fname.back() + "," + quoted + "," + is_valid.back() + "\n";
  }
  TempDir dir;
  const auto df = read_csv(dir.write("train.csv", text));
  REQUIRE(df.shape() == std::pair<std::size_t, std::size_t>{100000, 3});
  CHECK(df["fname"].tolist() == fname);
  CHECK(df["labels"].tolist() == labels);
  CHECK(df["is_valid"].tolist() == is_valid);
  CHECK(df.equals(DataFrame({{"fname", fname}, {"labels", labels}, {"is_valid", is_valid}})));

  // The text was written as to_csv writes (minimal quoting, LF), so the round trip is exact.
  CHECK(to_csv_string(df) == text);
  to_csv(df, dir.path() / "copy.csv");
  CHECK(read_csv(dir.path() / "copy.csv").equals(df));
  CHECK(df.index_where(df["is_valid"].as<bool>()).size() ==
        static_cast<std::size_t>(std::count(is_valid.begin(), is_valid.end(), "True")));
}

TEST_CASE("to_csv quotes what must be quoted", "[data][csv]") {
  const DataFrame df({{"a", strings({"x,y", "", "q\"", "t\tab"})}, {"b", {1, 2, 3, 4}}});
  CHECK(to_csv_string(df) == "a,b\n\"x,y\",1\n,2\n\"q\"\"\",3\nt\tab,4\n");
  CHECK(to_csv_string(df, CsvOptions{'\t', true}) ==
        "a\tb\nx,y\t1\n\t2\n\"q\"\"\"\t3\n\"t\tab\"\t4\n");
  CHECK(to_csv_string(df, CsvOptions{',', false}) == "\"x,y\",1\n,2\n\"q\"\"\",3\nt\tab,4\n");
  const DataFrame single({{"name", strings({"x", "", "y"})}});
  CHECK(to_csv_string(single) == "name\nx\n\"\"\ny\n");
  CHECK(read_csv_string(to_csv_string(single)).equals(single));
  CHECK(to_csv_string(DataFrame()).empty());
  CHECK(error_of<io_error>([&] {
          to_csv(df, "/nonexistent-dir/x.csv");
        }).find("to_csv: cannot open '/nonexistent-dir/x.csv' for writing") == 0);
}

TEST_CASE("Column: cells, bounds and iteration", "[data][column]") {
  const Column c("fname", strings({"a", "bb", "", "dddd"}));
  CHECK(c.name() == "fname");
  CHECK(c.size() == 4);
  CHECK(len(c) == 4);
  CHECK_FALSE(c.empty());
  CHECK(c[0] == "a");
  CHECK(c[2].empty());
  CHECK(c[-1] == "dddd");
  CHECK(c[-4] == "a");
  CHECK(error_of<index_error>([&] { (void)c[4]; }) ==
        "column 'fname': index 4 is out of bounds for length 4");
  CHECK(error_of<index_error>([&] { (void)c[-5]; }) ==
        "column 'fname': index -5 is out of bounds for length 4");
  CHECK(error_of<index_error>([] { (void)Column()[0]; }) ==
        "unnamed column: index 0 is out of bounds for length 0");

  std::vector<std::string_view> seen;
  for (const std::string_view cell : c) seen.push_back(cell);
  CHECK(seen == std::vector<std::string_view>{"a", "bb", "", "dddd"});
  static_assert(std::random_access_iterator<Column::const_iterator>);
  static_assert(std::ranges::random_access_range<const Column>);
  CHECK(std::ranges::distance(c) == 4);
  CHECK(c.begin()[3] == "dddd");
  CHECK(*(c.end() - 3) == "bb");
  CHECK(std::ranges::find(c, "") - c.begin() == 2);
  CHECK(std::is_sorted(c.begin(), c.end()) == false);
  CHECK(Column().begin() == Column().end());

  CHECK(c.tolist() == strings({"a", "bb", "", "dddd"}));
  CHECK(c.index() == std::vector<std::int64_t>{0, 1, 2, 3});
  Column renamed = c;
  renamed.set_name("other");
  CHECK(renamed.name() == "other");
  CHECK_FALSE(renamed.equals(c));
  CHECK(Column(c).equals(c));

  const Column arena = Column::from_arena("x", "abcd", {0, 1, 1, 4});
  CHECK(arena.tolist() == strings({"a", "", "bcd"}));
  CHECK(error_of<value_error>([] {
          Column::from_arena("x", "abcd", {0, 3, 2, 4});
        }) == "Column::from_arena: offsets must rise from 0 to the arena's size (4)");
  CHECK_THROWS_AS(Column::from_arena("x", "abcd", {0, 3}), value_error);
  CHECK_THROWS_AS(Column::from_arena("x", "abcd", {}), value_error);
  CHECK(Column::from_arena("x", "", {}).empty());
}

TEST_CASE("Column: numbers are stored as pandas prints them", "[data][column]") {
  CHECK(Column("i", {1, -2, 300}).tolist() == strings({"1", "-2", "300"}));
  CHECK(Column("d", {0.5, 1.0, 0.1 + 0.2}).tolist() ==
        strings({"0.5", "1.0", "0.30000000000000004"}));
  CHECK(Column("f", {0.1f, 2.0f}).tolist() == strings({"0.1", "2.0"}));
  CHECK(Column("b", {true, false}).tolist() == strings({"True", "False"}));
  CHECK(Column("v", std::vector<std::int64_t>{-9223372036854775807 - 1}).tolist() ==
        strings({"-9223372036854775808"}));
  CHECK(Column("v", std::vector<bool>{false, true}).tolist() == strings({"False", "True"}));
  CHECK(Column("u", std::vector<std::uint8_t>{255}).tolist() == strings({"255"}));

  // Python's repr of a float.
  const auto repr_of = [](double x) { return Column("x", {x}).tolist()[0]; };
  CHECK(repr_of(1e16) == "1e+16");
  CHECK(repr_of(1e15) == "1000000000000000.0");
  CHECK(repr_of(123456789012345680.0) == "1.2345678901234568e+17");
  CHECK(repr_of(1e-5) == "1e-05");
  CHECK(repr_of(1.5e-5) == "1.5e-05");
  CHECK(repr_of(0.0001) == "0.0001");
  CHECK(repr_of(0.00012345) == "0.00012345");
  CHECK(repr_of(-0.0) == "-0.0");
  CHECK(repr_of(0.0) == "0.0");
  CHECK(repr_of(123.456) == "123.456");
  CHECK(repr_of(-2.5e300) == "-2.5e+300");
  CHECK(repr_of(5e-324) == "5e-324");
  CHECK(repr_of(1.0 / 0.0) == "inf");
  CHECK(repr_of(-1.0 / 0.0) == "-inf");
  CHECK(repr_of(0.0 / 0.0) == "nan");
}

TEST_CASE("Column::as parses whole cells", "[data][column]") {
  const Column flags("is_valid",
                     strings({"True", "False", "true", "false", "TRUE", "FALSE", "1", "0"}));
  const Mask m = flags.as<bool>();
  CHECK(m.tolist() == std::vector<bool>{true, false, true, false, true, false, true, false});
  CHECK(m.name() == "is_valid");
  CHECK(error_of<data_error>([] {
          Column("is_valid", strings({"True", "yes"})).as<bool>();
        }) ==
        "column 'is_valid', row 1: cannot parse 'yes' as bool (expected True, False, true, false, "
        "TRUE, FALSE, 1 or 0)");

  CHECK(Column("n", strings({"1", "-2", "+3", "9223372036854775807"})).as<std::int64_t>() ==
        std::vector<std::int64_t>{1, -2, 3, 9223372036854775807});
  CHECK(Column("n", strings({"7"})).as<int>() == std::vector<int>{7});
  CHECK(error_of<data_error>([] {
          Column("n", strings({"1", "2", "1.5"})).as<std::int64_t>();
        }) == "column 'n', row 2: cannot parse '1.5' as int64");
  CHECK(error_of<data_error>([] {
          Column("n", strings({"9223372036854775808"})).as<std::int64_t>();
        }) == "column 'n', row 0: cannot parse '9223372036854775808' as int64");
  CHECK(error_of<data_error>([] { Column("n", strings({"300"})).as<std::uint8_t>(); }) ==
        "column 'n', row 0: cannot parse '300' as uint8");
  CHECK_THROWS_AS(Column("n", strings({" 1"})).as<std::int64_t>(), data_error);
  CHECK_THROWS_AS(Column("n", strings({"+-1"})).as<std::int64_t>(), data_error);
  CHECK_THROWS_AS(Column("n", strings({"+"})).as<std::int64_t>(), data_error);

  const auto d = Column("x", strings({"0.5", "-1e3", "+2", "inf", "7"})).as<double>();
  CHECK(d == std::vector<double>{0.5, -1000.0, 2.0, 1.0 / 0.0, 7.0});
  CHECK(std::isnan(Column("x", strings({"nan"})).as<double>()[0]));
  CHECK(Column("x", strings({"0.25"})).as<float>() == std::vector<float>{0.25f});
  CHECK(error_of<data_error>([] {
          Column("x", strings({"1", ""})).as<double>();
        }) == "column 'x', row 1: cannot parse '' as float64");
  CHECK(error_of<data_error>([] { Column("", strings({"1x"})).as<double>(); }) ==
        "unnamed column, row 0: cannot parse '1x' as float64");

  // Errors name the row label, which a filtered frame keeps.
  const auto df = seed5();
  const auto valid = df.filter(df["is_valid"] == "True");
  CHECK(error_of<data_error>([&] { valid["fname"].as<double>(); }) ==
        "column 'fname', row 0: cannot parse '000005.jpg' as float64");
  CHECK(error_of<data_error>([&] {
          valid.iloc(Slice{3, {}})["labels"].as<double>();
        }) == "column 'labels', row 4: cannot parse 'bicycle' as float64");
}

TEST_CASE("Column arithmetic", "[data][column]") {
  const Column a("a", {1, 2, 3});
  const Column b("b", {10, 20, -30});
  CHECK((a + b).tolist() == strings({"11", "22", "-27"}));
  CHECK((a - b).tolist() == strings({"-9", "-18", "33"}));
  CHECK((a * b).tolist() == strings({"10", "40", "-90"}));
  CHECK((a / b).tolist() == strings({"0.1", "0.1", "-0.1"}));
  CHECK((a + b).name().empty());
  CHECK((a + a).name() == "a");
  CHECK(a.add(b).equals(a + b));
  CHECK(a.sub(b).equals(a - b));
  CHECK(a.mul(b).equals(a * b));
  CHECK(a.truediv(b).equals(a / b));

  const Column f("f", {0.5, 1.0, 2.5});
  CHECK((a + f).tolist() == strings({"1.5", "3.0", "5.5"}));
  CHECK((Column("x", {1}) / Column("y", {0})).tolist() == strings({"inf"}));
  CHECK((Column("x", {0}) / Column("y", {0})).tolist() == strings({"nan"}));
  CHECK((Column("x", strings({"1e300"})) * Column("y", strings({"1e300"}))).tolist() ==
        strings({"inf"}));
  // int64 overflow wraps, as numpy's does.
  CHECK((Column("x", std::vector<std::int64_t>{9223372036854775807}) + Column("y", {1})).tolist() ==
        strings({"-9223372036854775808"}));

  CHECK(error_of<value_error>([&] {
          (void)(a + Column("c", {1, 2}));
        }) == "cannot add column 'a' (length 3) and column 'c' (length 2): lengths differ");
  CHECK(error_of<value_error>([&] { (void)(a / Column("", {1})); }) ==
        "cannot divide column 'a' (length 3) and unnamed column (length 1): lengths differ");
  CHECK(error_of<data_error>([&] {
          (void)(a * Column("w", strings({"1", "x", "2"})));
        }) == "column 'w', row 1: cannot parse 'x' as float64");
}

TEST_CASE("Column comparison gives a Mask", "[data][mask]") {
  const auto df = seed5();
  const Mask valid = df["is_valid"] == "True";
  CHECK(valid.tolist() == std::vector<bool>{true, true, true, false, true});
  CHECK((df["is_valid"] != "True").tolist() == (~valid).tolist());
  CHECK(("True" == df["is_valid"]).tolist() == valid.tolist());
  CHECK(("True" != df["is_valid"]).tolist() == (~valid).tolist());
  CHECK(df["labels"].eq("car").count() == 2);
  CHECK(df["labels"].ne("car").count() == 3);
}

TEST_CASE("Mask", "[data][mask]") {
  const Mask a{true, false, true, false};
  const Mask b{true, true, false, false};
  CHECK(a.size() == 4);
  CHECK(len(a) == 4);
  CHECK(a[0]);
  CHECK_FALSE(a[1]);
  CHECK_FALSE(a[-1]);
  CHECK(a.count() == 2);
  CHECK((~a).tolist() == std::vector<bool>{false, true, false, true});
  CHECK((a & b).tolist() == std::vector<bool>{true, false, false, false});
  CHECK((a | b).tolist() == std::vector<bool>{true, true, true, false});
  CHECK(std::count(a.begin(), a.end(), true) == 2);
  CHECK(a.index() == std::vector<std::int64_t>{0, 1, 2, 3});
  CHECK(Mask().empty());
  CHECK(Mask(std::vector<bool>{true}, "m").name() == "m");
  CHECK(error_of<index_error>([&] { (void)a[4]; }) ==
        "unnamed mask: index 4 is out of bounds for length 4");
  CHECK(error_of<value_error>([&] { (void)(a & Mask{true}); }) ==
        "cannot combine masks with '&': lengths 4 and 1 differ");
  CHECK(error_of<value_error>([&] { (void)(a | Mask{}); }) ==
        "cannot combine masks with '|': lengths 4 and 0 differ");
  CHECK(repr(a) == "0     True\n1    False\n2     True\n3    False\ndtype: bool");
}

TEST_CASE("Row", "[data][row]") {
  const auto df = seed5();
  const Row r = df.iloc(2);
  CHECK(r["fname"] == "000009.jpg");
  CHECK(r["labels"] == "horse person");
  CHECK(r.index() == 2);
  CHECK(r.position() == 2);
  CHECK(r.size() == 3);
  CHECK(&r.frame() == &df);
  CHECK(r.tolist() == strings({"000009.jpg", "horse person", "True"}));
  CHECK(error_of<data_error>([&] { (void)r["label"]; }) ==
        "DataFrame has no column 'label' (columns: fname, labels, is_valid)");
  const auto train = df.filter(~df["is_valid"].as<bool>());
  CHECK(train.iloc(0).index() == 3);
  CHECK(train.iloc(0).position() == 0);
}

TEST_CASE("DataFrame construction", "[data][frame]") {
  const DataFrame strs({{"a", {"1", "2"}}, {"b", {"3", "4"}}});
  CHECK(strs.equals(DataFrame({{"a", {1, 2}}, {"b", {3, 4}}})));
  const DataFrame mixed(
      {{"i", {1, 2}}, {"d", {0.5, 2.0}}, {"s", {"x", "y"}}, {"m", {true, false}}});
  CHECK(mixed.iloc(1, 1) == "2.0");
  CHECK(mixed.iloc(0, 3) == "True");
  CHECK(DataFrame(std::vector<Column>{Column("x", {1})}).shape() ==
        std::pair<std::size_t, std::size_t>{1, 1});
  CHECK(DataFrame().empty());
  CHECK(DataFrame().shape() == std::pair<std::size_t, std::size_t>{0, 0});

  CHECK(error_of<value_error>([] {
          DataFrame({{"a", {1, 2}}, {"b", {3}}});
        }) ==
        "DataFrame: column 'b' has 1 values but column 'a' has 2; all must have the same length");
  CHECK(error_of<value_error>([] {
          DataFrame({{"a", {1}}, {"a", {3}}});
        }) == "DataFrame: duplicate column name 'a'");
  CHECK(error_of<value_error>([] {
          DataFrame({{"a", {1}}, Column("", {3})});
        }) == "DataFrame: column 1 has no name");
}

TEST_CASE("DataFrame columns: lookup, assignment", "[data][frame]") {
  auto df = seed5();
  const DataFrame& cdf = df;
  const Column& fname = cdf["fname"];
  CHECK(&fname == &cdf["fname"]);  // a reference, not a copy
  CHECK(df["fname"].size() == 5);
  CHECK(df["fname"][1] == "000007.jpg");
  CHECK(df["fname"].name() == "fname");
  CHECK(df["fname"].tolist() == fname.tolist());
  CHECK(df["fname"].index() == fname.index());
  CHECK(std::distance(df["fname"].begin(), df["fname"].end()) == 5);
  CHECK(error_of<data_error>([&] { (void)cdf["label"]; }) ==
        "DataFrame has no column 'label' (columns: fname, labels, is_valid)");
  CHECK(error_of<data_error>([&] { (void)df["label"].size(); }) ==
        "DataFrame has no column 'label' (columns: fname, labels, is_valid)");
  CHECK(error_of<data_error>([] { (void)DataFrame()["x"]; }) ==
        "DataFrame has no column 'x' (columns: none)");
  CHECK(df.contains("labels"));
  CHECK_FALSE(df.contains("label"));

  // Adding, replacing, copying a column.
  df["valid"] = df["is_valid"];
  CHECK(df.columns() == strings({"fname", "labels", "is_valid", "valid"}));
  CHECK(df["valid"].name() == "valid");
  CHECK(df["valid"].tolist() == df["is_valid"].tolist());
  df["valid"] = Column("anything", {1, 2, 3, 4, 5});
  CHECK(df.columns() == strings({"fname", "labels", "is_valid", "valid"}));
  CHECK(df["valid"].name() == "valid");
  CHECK(df["valid"][4] == "5");
  df.set_column("n", Column("", {0, 0, 0, 0, 0}));
  CHECK(df.num_columns() == 5);
  CHECK(error_of<value_error>([&] { df["x"] = Column("x", {1}); }) ==
        "cannot set column 'x' with 1 values in a DataFrame of 5 rows");
  CHECK(error_of<value_error>([&] {
          df.set_column("", Column("x", {1, 2, 3, 4, 5}));
        }) == "DataFrame::set_column: the column name is empty");

  // A filtered frame's new column takes its labels.
  auto valid = df.filter(df["is_valid"] == "True");
  valid["k"] = Column("k", {1, 2, 3, 4});
  CHECK(valid["k"].index() == std::vector<std::int64_t>{0, 1, 2, 4});

  // An empty frame takes the length of its first column.
  DataFrame fresh;
  fresh["a"] = Column("a", {1, 2, 3});
  CHECK(fresh.shape() == std::pair<std::size_t, std::size_t>{3, 1});

  // Moving a column out of a temporary frame.
  const Column moved = seed5()["labels"];
  CHECK(moved.tolist() == strings({"chair", "car", "horse person", "car", "bicycle"}));
}

namespace {
template <class F>
concept CanTakeRow = requires(F&& f) {
  std::forward<F>(f).iloc(0);
};
template <class F>
concept CanTakeCell = requires(F&& f) {
  std::forward<F>(f).iloc(0, 0);
};
}  // namespace

TEST_CASE("DataFrame rows: iloc, row, slices, head, tail", "[data][frame]") {
  // Rows and cells of a temporary frame would dangle, so they do not compile.
  static_assert(CanTakeRow<DataFrame&> && CanTakeRow<const DataFrame&>);
  static_assert(!CanTakeRow<DataFrame> && !CanTakeCell<DataFrame>);
  static_assert(CanTakeCell<const DataFrame&>);

  const auto df = seed5();
  CHECK(df.iloc(0)["fname"] == "000005.jpg");
  CHECK(df.iloc(-1)["fname"] == "000016.jpg");
  CHECK(df.row(-5)["fname"] == "000005.jpg");
  CHECK(df.iloc(2, 1) == "horse person");
  CHECK(df.iloc(-1, -1) == "True");
  CHECK(error_of<index_error>([&] { (void)df.iloc(5); }) ==
        "iloc: row 5 is out of bounds for a DataFrame of 5 rows");
  CHECK(error_of<index_error>([&] { (void)df.row(-6); }) ==
        "iloc: row -6 is out of bounds for a DataFrame of 5 rows");
  CHECK(error_of<index_error>([&] { (void)df.iloc(0, 3); }) ==
        "iloc: column 3 is out of bounds for a DataFrame of 3 columns");

  const auto fnames = [](const DataFrame& f) { return f["fname"].tolist(); };
  const auto idx = [](const DataFrame& f) { return f.index(); };
  CHECK(idx(df.iloc(Slice{1, 4})) == std::vector<std::int64_t>{1, 2, 3});
  CHECK(idx(df.iloc(Slice{})) == std::vector<std::int64_t>{0, 1, 2, 3, 4});
  CHECK(idx(df.iloc(Slice{-2, {}})) == std::vector<std::int64_t>{3, 4});
  CHECK(idx(df.iloc(Slice{{}, -3})) == std::vector<std::int64_t>{0, 1});
  CHECK(idx(df.iloc(Slice{{}, {}, 2})) == std::vector<std::int64_t>{0, 2, 4});
  CHECK(idx(df.iloc(Slice{{}, {}, -1})) == std::vector<std::int64_t>{4, 3, 2, 1, 0});
  CHECK(idx(df.iloc(Slice{3, 0, -2})) == std::vector<std::int64_t>{3, 1});
  CHECK(idx(df.iloc(Slice{-100, 100})) == std::vector<std::int64_t>{0, 1, 2, 3, 4});
  CHECK(idx(df.iloc(Slice{100, -100, -1})) == std::vector<std::int64_t>{4, 3, 2, 1, 0});
  CHECK(df.iloc(Slice{4, 1}).empty());
  CHECK(df.iloc(Slice{4, 1}).num_columns() == 3);
  CHECK(fnames(df.iloc(Slice{3, {}})) == strings({"000012.jpg", "000016.jpg"}));
  CHECK(error_of<value_error>([&] {
          (void)df.iloc(Slice{{}, {}, 0});
        }) == "iloc: slice step cannot be zero");

  CHECK(idx(df.head()) == std::vector<std::int64_t>{0, 1, 2, 3, 4});
  CHECK(idx(df.head(2)) == std::vector<std::int64_t>{0, 1});
  CHECK(idx(df.head(-2)) == std::vector<std::int64_t>{0, 1, 2});
  CHECK(df.head(0).num_rows() == 0);
  CHECK(idx(df.tail(2)) == std::vector<std::int64_t>{3, 4});
  CHECK(idx(df.tail(-3)) == std::vector<std::int64_t>{3, 4});
  CHECK(df.tail(0).num_rows() == 0);
  CHECK(idx(df.tail(50)) == std::vector<std::int64_t>{0, 1, 2, 3, 4});
}

TEST_CASE("DataFrame shape, index_where, filter, reset_index, equals", "[data][frame]") {
  const auto df = seed5();
  CHECK(len(df) == 5);
  CHECK(df.size() == 5);
  CHECK(df.num_rows() == 5);
  CHECK(df.num_columns() == 3);
  CHECK(df.shape() == std::pair<std::size_t, std::size_t>{5, 3});
  CHECK(df.columns() == strings({"fname", "labels", "is_valid"}));
  CHECK(df.index() == std::vector<std::int64_t>{0, 1, 2, 3, 4});
  CHECK_FALSE(df.empty());

  const Mask is_valid = df["is_valid"].as<bool>();
  CHECK(df.index_where(is_valid) == std::vector<std::int64_t>{0, 1, 2, 4});
  CHECK(df.index_where(~is_valid) == std::vector<std::int64_t>{3});
  const auto valid = df.filter(is_valid);
  CHECK(valid.index() == std::vector<std::int64_t>{0, 1, 2, 4});
  CHECK(valid["fname"].index() == std::vector<std::int64_t>{0, 1, 2, 4});
  // index_where answers with labels, as pandas' df.index[mask] does.
  CHECK(valid.index_where(valid["labels"] == "bicycle") == std::vector<std::int64_t>{4});
  const auto bicycles = valid.filter(valid["labels"] == "bicycle");
  CHECK(bicycles.iloc(0).index() == 4);
  CHECK(error_of<value_error>([&] { (void)df.index_where(Mask{true}); }) ==
        "index_where: the mask has 1 entries but the DataFrame has 5 rows");
  CHECK(error_of<value_error>([&] { (void)df.filter(Mask{}); }) ==
        "filter: the mask has 0 entries but the DataFrame has 5 rows");

  const auto reset = valid.reset_index();
  CHECK(reset.index() == std::vector<std::int64_t>{0, 1, 2, 3});
  CHECK(reset["fname"].index() == std::vector<std::int64_t>{0, 1, 2, 3});
  CHECK_FALSE(reset.equals(valid));
  CHECK(reset.equals(valid.reset_index()));
  CHECK(df.equals(seed5()));
  CHECK(df.filter(Mask{true, true, true, true, true}).equals(df));
  CHECK_FALSE(df.equals(df.head(4)));
  CHECK_FALSE(df.equals(tmp_df()));
  DataFrame changed = df;
  changed["labels"] = Column("labels", strings({"chair", "car", "horse person", "car", "dog"}));
  CHECK_FALSE(changed.equals(df));
}

TEST_CASE("seed: df.iloc[:,0] is the first column, by position", "[data][dataframe][seed]") {
  const DataFrame df = pascal(5011);
  CHECK(repr(df.iloc(Slice{}, 0)) == repr(df["fname"]));
  CHECK(repr(df.iloc(Slice{}, -1)) == repr(df["is_valid"]));
  const Column part = df.iloc(Slice{1, 4}, 1);
  CHECK(part.name() == "labels");
  CHECK(part.index() == std::vector<std::int64_t>{1, 2, 3});
  CHECK(part.tolist() == std::vector<std::string>{"car", "horse person", "bicycle"});
  CHECK_THROWS_AS(df.iloc(Slice{}, 3), index_error);
}
