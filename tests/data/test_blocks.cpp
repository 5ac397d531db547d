// Behaviour of the blocks (data/block.hpp): vocabularies learned from training labels in string
// order, one-hot encoding of the seed's labels, decoding back to what fastai prints, the errors
// for labels the training set never showed, regression targets, user-defined blocks, and the
// helpers split(), python_repr() and type_name().
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "catch.hpp"

#include <fastblock/data/block.hpp>
#include <fastblock/tensor.hpp>

namespace fb = fastblock;
using Catch::Matchers::Contains;

namespace {

/// The 20 PASCAL VOC classes, in the order fastai's vocabulary holds them.
const std::vector<std::string> pascal_class_names = {
    "aeroplane", "bicycle",     "bird",  "boat",        "bottle", "bus",      "car",
    "cat",       "chair",       "cow",   "diningtable", "dog",    "horse",    "motorbike",
    "person",    "pottedplant", "sheep", "sofa",        "train",  "tvmonitor"};

/// Training labels shaped like the seed's `labels` column, split as its get_y splits them;
/// every class appears, in no particular order, some items have several labels.
std::vector<std::vector<std::string>> pascal_training_labels() {
  const char* cells[] = {"chair",
                         "car",
                         "horse person",
                         "bicycle",
                         "diningtable bottle person",
                         "tvmonitor sofa",
                         "aeroplane bird boat",
                         "bus cat cow dog",
                         "motorbike pottedplant sheep train",
                         "bottle"};
  std::vector<std::vector<std::string>> out;
  for (const char* cell : cells) out.push_back(fb::split(cell, ' '));
  return out;
}

/// A MultiCategoryBlock set up on the PASCAL-like training labels.
fb::MultiCategoryBlock pascal_block() {
  fb::MultiCategoryBlock block;
  const auto labels = pascal_training_labels();
  block.setup(labels);
  return block;
}

/// The text `os << value` writes.
template <class T>
std::string printed(const T& value) {
  std::ostringstream os;
  os << value;
  return os.str();
}

}  // namespace

TEST_CASE("split keeps the non-empty pieces between separators", "[data][blocks][strings]") {
  CHECK(fb::split("horse person", ' ') == std::vector<std::string>{"horse", "person"});
  CHECK(fb::split("diningtable bottle person") ==
        std::vector<std::string>{"diningtable", "bottle", "person"});
  CHECK(fb::split("bottle", ' ') == std::vector<std::string>{"bottle"});
  // Unlike Python's str.split(' '), repeated, leading and trailing separators add no "" labels.
  CHECK(fb::split("  a  b ", ' ') == std::vector<std::string>{"a", "b"});
  CHECK(fb::split("", ' ').empty());
  CHECK(fb::split("   ", ' ').empty());
  CHECK(fb::split("a,b,,c", ',') == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("python_repr quotes strings as Python's repr does", "[data][blocks][strings]") {
  CHECK(fb::python_repr("bottle") == "'bottle'");
  CHECK(fb::python_repr("") == "''");
  CHECK(fb::python_repr("it's") == "\"it's\"");
  CHECK(fb::python_repr("say \"hi\"") == "'say \"hi\"'");
  CHECK(fb::python_repr("it's \"x\"") == "'it\\'s \"x\"'");
  CHECK(fb::python_repr("a\\b\n\t") == "'a\\\\b\\n\\t'");
  CHECK(fb::python_repr(std::string_view("\x01", 1)) == "'\\x01'");
  CHECK(fb::python_repr("caf\xc3\xa9") == "'caf\xc3\xa9'");
}

TEST_CASE("type_name spells types as a user writes them", "[data][blocks][type_name]") {
  CHECK(fb::type_name<int>() == "int");
  CHECK(fb::type_name<std::string>() == "std::string");
  CHECK(fb::type_name<std::string_view>() == "std::string_view");
  CHECK(fb::type_name<std::vector<std::string>>() == "std::vector<std::string>");
  CHECK(fb::type_name<std::vector<std::vector<float>>>() == "std::vector<std::vector<float>>");
  CHECK(fb::type_name<std::map<std::string, int>>() == "std::map<std::string, int>");
  CHECK(fb::type_name<std::int64_t>() == "long");
  CHECK(fb::type_name<std::uint64_t>() == "unsigned long");
  CHECK(fb::type_name<const char*>().find("char") != std::string::npos);
  CHECK(fb::type_name<fb::MultiCategoryBlock>() == "MultiCategoryBlock");
  CHECK(fb::type_name<fb::item_t<fb::MultiCategoryBlock>>() == "TensorMultiCategory");
  CHECK(fb::type_name<fb::decoded_t<fb::MultiCategoryBlock>>() == "LabelList");
  // g++ leaves out default template arguments, clang++ spells them; both start alike.
  CHECK(fb::type_name<fb::TransformBlock<std::string>>().rfind("TransformBlock<std::string", 0) ==
        0);
}

TEST_CASE("typed tensors keep their data, print under their own name and do maths as Tensor",
          "[data][blocks][typed_tensor]") {
  const fb::TensorMultiCategory y(fb::tensor({0.f, 1.f, 0.f, 1.f}));
  CHECK(fb::repr(y) == "TensorMultiCategory([0., 1., 0., 1.])");
  CHECK(printed(y) == "TensorMultiCategory([0., 1., 0., 1.])");
  CHECK(fb::repr(y, "tensor") == "tensor([0., 1., 0., 1.])");
  const fb::Tensor doubled = y * 2;  // ops take the typed tensor and return a plain Tensor
  CHECK(doubled.at<float>({3}) == 2.0f);
  CHECK(fb::equal(y.as_tensor(), fb::tensor({0.f, 1.f, 0.f, 1.f})));
  const fb::TensorCategory c(fb::scalar_tensor<std::int64_t>(3));
  CHECK(printed(c) == "TensorCategory(3)");
  CHECK(fb::TensorCategory().numel() == 0);
}

TEST_CASE("CategoryMap holds the unique labels, sorted in string order", "[data][blocks][vocab]") {
  const std::vector<std::string> labels = {"five", "eight", "one", "eight", "Zulu", "five"};
  const fb::CategoryMap vocab(labels);
  // Byte order: upper case before lower case, "eight" before "five", as Python's sorted().
  CHECK(vocab.items() == std::vector<std::string>{"Zulu", "eight", "five", "one"});
  CHECK(vocab.size() == 4);
  CHECK(vocab.find("five") == 2);
  CHECK_FALSE(vocab.find("seven").has_value());
  CHECK(vocab.contains("one"));
  CHECK(vocab[1] == "eight");
  CHECK_THROWS_AS(vocab[4], fb::index_error);
  CHECK_THROWS_WITH(vocab[-1], Contains("index -1") && Contains("4 labels"));
  CHECK(fb::repr(vocab) == "(#4) ['Zulu','eight','five','one']");

  const fb::CategoryMap unsorted(labels, /*sort=*/false);
  CHECK(unsorted.items() == std::vector<std::string>{"five", "eight", "one", "Zulu"});
  CHECK(unsorted.find("Zulu") == 3);
  CHECK(unsorted.find("five") == 0);
}

TEST_CASE("CategoryBlock encodes one label as a 0-d index and decodes it back",
          "[data][blocks][category]") {
  fb::CategoryBlock block;
  CHECK(block.n_out() == 0);
  const std::vector<std::string> training = {"five", "eight", "one", "eight"};
  block.setup(training);
  CHECK(block.vocab().items() == std::vector<std::string>{"eight", "five", "one"});
  CHECK(block.n_out() == 3);

  const fb::TensorCategory five = block.encode("five");
  CHECK(five.dim() == 0);
  CHECK(five.dtype() == fb::int64);
  CHECK(five.item<std::int64_t>() == 1);
  CHECK(printed(five) == "TensorCategory(1)");
  CHECK(block.decode(five) == "five");
  CHECK(block.decode(block.encode(std::string("one"))) == "one");
  CHECK_THROWS_AS(block.decode(fb::TensorCategory(fb::scalar_tensor<std::int64_t>(3))),
                  fb::index_error);
  CHECK_THROWS_AS(block.decode(fb::TensorCategory(fb::tensor({1, 2}))), fb::shape_error);
}

TEST_CASE("CategoryBlock rejects a label the training set never showed",
          "[data][blocks][category][errors]") {
  fb::CategoryBlock block;
  CHECK_THROWS_WITH(block.encode("cat"),
                    Contains("'cat'") && Contains("vocabulary, which is empty"));
  const std::vector<std::string> training = {"five", "eight", "one"};
  block.setup(training);
  CHECK_THROWS_AS(block.encode("seven"), fb::data_error);
  CHECK_THROWS_WITH(block.encode("seven"), Contains("fastblock::CategoryBlock") &&
                                               Contains("label 'seven' is not") &&
                                               Contains("(3 labels: 'eight', 'five', 'one')"));

  // Up to ten known labels are listed, then "...".
  std::vector<std::string> many;
  for (char c = 'a'; c <= 'p'; ++c) many.emplace_back(1, c);
  block.setup(many);
  CHECK_THROWS_WITH(block.encode("z"),
                    Contains("(16 labels: 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', ...)"));
}

TEST_CASE("CategoryBlock keeps a vocabulary given in its options", "[data][blocks][category]") {
  fb::CategoryBlock block({.vocab = std::vector<std::string>{"dog", "cat"}});
  CHECK(block.vocab().items() == std::vector<std::string>{"cat", "dog"});
  const std::vector<std::string> training = {"dog"};
  block.setup(training);  // a fixed vocabulary is not relearned
  CHECK(block.n_out() == 2);
  CHECK(block.encode("dog").item<std::int64_t>() == 1);

  fb::CategoryBlock unsorted({.vocab = std::vector<std::string>{"dog", "cat"}, .sort = false});
  CHECK(unsorted.encode("dog").item<std::int64_t>() == 0);
}

TEST_CASE("MultiCategoryBlock learns the 20 PASCAL classes from the training labels",
          "[data][blocks][multicategory]") {
  const fb::MultiCategoryBlock block = pascal_block();
  CHECK(block.vocab().items() == pascal_class_names);
  CHECK(block.n_out() == 20);
  CHECK(fb::repr(block.vocab()) ==
        "(#20) ['aeroplane','bicycle','bird','boat','bottle','bus','car','cat','chair','cow'...]");

  // Only training labels count: a label seen only in validation is not in the vocabulary.
  fb::MultiCategoryBlock small;
  const std::vector<std::vector<std::string>> training = {{"five"}, {"eight", "one"}, {}};
  small.setup(training);
  CHECK(small.vocab().items() == std::vector<std::string>{"eight", "five", "one"});
}

TEST_CASE("MultiCategoryBlock one-hot encodes the seed's ['bicycle', 'person']",
          "[data][blocks][multicategory]") {
  const fb::MultiCategoryBlock block = pascal_block();
  const fb::TensorMultiCategory y = block.encode(fb::split("bicycle person", ' '));
  REQUIRE(y.shape() == fb::Shape{20});
  CHECK(y.dtype() == fb::float32);
  for (std::int64_t i = 0; i < 20; ++i) {
    const bool hot = i == 1 || i == 14;  // bicycle, person
    CHECK(y.at<float>({i}) == (hot ? 1.0f : 0.0f));
  }
  CHECK(fb::repr(y, "TensorMultiCategory") == fb::repr(y));
  CHECK(fb::repr(y).rfind("TensorMultiCategory([0., 1., 0., ", 0) == 0);

  // The seed's first training item: one label, 'bottle' (index 4, as in the seed's output).
  const fb::TensorMultiCategory bottle = block.encode({"bottle"});
  CHECK(fb::sum(bottle).item<float>() == 1.0f);
  CHECK(bottle.at<float>({4}) == 1.0f);
  CHECK(printed(block.decode(bottle)) == "(#1) ['bottle']");

  // A repeated label counts once; the order of labels does not matter.
  CHECK(fb::equal(block.encode({"person", "bicycle", "person"}), y));
}

TEST_CASE("MultiCategoryBlock encodes an empty label list as all zeros",
          "[data][blocks][multicategory]") {
  const fb::MultiCategoryBlock block = pascal_block();
  const fb::TensorMultiCategory none = block.encode(fb::split("", ' '));
  REQUIRE(none.shape() == fb::Shape{20});
  CHECK(fb::equal(none, fb::zeros({20})));
  CHECK(block.decode(none).empty());
  CHECK(printed(block.decode(none)) == "(#0) []");
}

TEST_CASE("MultiCategoryBlock decodes to a LabelList printed like fastai's L",
          "[data][blocks][multicategory]") {
  const fb::MultiCategoryBlock block = pascal_block();
  const fb::LabelList labels = block.decode(block.encode(fb::split("person bicycle", ' ')));
  CHECK(labels == fb::LabelList{"bicycle", "person"});  // vocabulary order
  // fastcore's coll_repr joins with ',' and no space, as the seed's `(#50) [Path('01'),...` shows.
  CHECK(fb::repr(labels) == "(#2) ['bicycle','person']");
  CHECK(printed(labels) == "(#2) ['bicycle','person']");

  // Probabilities decode by threshold (0.5 unless given).
  fb::Tensor probs = fb::zeros({20});
  probs.slice(0, 4, 5).fill_(0.7);
  probs.slice(0, 14, 15).fill_(0.3);
  CHECK(block.decode(fb::TensorMultiCategory(probs)) == fb::LabelList{"bottle"});
  CHECK(block.decode(fb::TensorMultiCategory(probs), 0.2f) == fb::LabelList{"bottle", "person"});
  CHECK_THROWS_AS(block.decode(fb::TensorMultiCategory(fb::zeros({19}))), fb::shape_error);

  // More than ten labels print the first ten and "...".
  fb::LabelList many;
  for (int i = 0; i < 12; ++i) many.push_back(std::to_string(i));
  CHECK(fb::repr(many) == "(#12) ['0','1','2','3','4','5','6','7','8','9'...]");
  CHECK(fb::repr(fb::LabelList{"it's"}) == "(#1) [\"it's\"]");
}

TEST_CASE("MultiCategoryBlock names every unknown label", "[data][blocks][multicategory][errors]") {
  const fb::MultiCategoryBlock block = pascal_block();
  CHECK_THROWS_AS(block.encode({"person", "unicorn"}), fb::data_error);
  CHECK_THROWS_WITH(block.encode({"unicorn", "person", "griffin"}),
                    Contains("fastblock::MultiCategoryBlock") &&
                        Contains("labels 'unicorn', 'griffin' are not in the vocabulary") &&
                        Contains("20 labels: 'aeroplane', 'bicycle'"));
  // The usual mistake, an unsplit labels cell, gets a hint.
  CHECK_THROWS_WITH(block.encode({"bicycle person"}),
                    Contains("'bicycle person'") && Contains("split(labels, ' ')"));
  fb::MultiCategoryBlock empty;
  CHECK_THROWS_WITH(empty.encode({"cat"}), Contains("setup() has not seen any training label"));
  CHECK(empty.encode(std::vector<std::string>{}).numel() == 0);
}

TEST_CASE("RegressionBlock learns the target shape and encodes float32 tensors",
          "[data][blocks][regression]") {
  fb::RegressionBlock scalar;
  const std::vector<fb::RegressionTarget> numbers = {1.5, 2.0f, 3, 4.25};
  scalar.setup(numbers);
  CHECK(scalar.n_out() == 1);
  const fb::Tensor x = scalar.encode(numbers[0]);
  CHECK(x.dim() == 0);
  CHECK(x.dtype() == fb::float32);
  CHECK(x.item<float>() == 1.5f);
  CHECK(printed(scalar.decode(x)) == "1.5");
  CHECK(printed(scalar.decode(scalar.encode(numbers[2]))) == "3.0");

  fb::RegressionBlock pairs;
  const std::vector<fb::RegressionTarget> centres = {
      std::vector<float>{447.7369f, 283.9802f}, std::vector<double>{1.0, 2.0},
      fb::tensor({3, 4})};  // an int64 tensor converts to float32
  pairs.setup(centres);
  CHECK(pairs.n_out() == 2);
  REQUIRE(pairs.target_shape().has_value());
  CHECK(*pairs.target_shape() == fb::Shape{2});
  CHECK(fb::equal(pairs.encode(centres[2]), fb::tensor({3.f, 4.f})));
  CHECK(printed(pairs.decode(pairs.encode(centres[0]))) == "(447.7369, 283.9802)");
  CHECK_THROWS_AS(pairs.encode(1.0), fb::data_error);
  CHECK_THROWS_WITH(pairs.encode(std::vector<float>{1, 2, 3}),
                    Contains("shape [3]") && Contains("shape [2] of the training targets"));
}

TEST_CASE("RegressionBlock targets are copies and must agree in shape",
          "[data][blocks][regression][errors]") {
  fb::Tensor source = fb::tensor({1.f, 2.f});
  const fb::RegressionTarget target = source;
  source.fill_(9);
  CHECK(target.tolist() == std::vector<float>{1.f, 2.f});

  fb::RegressionBlock block;
  const std::vector<fb::RegressionTarget> ragged = {std::vector<float>{1, 2}, 3.0,
                                                    std::vector<float>{4, 5}};
  CHECK_THROWS_AS(block.setup(ragged), fb::data_error);
  CHECK_THROWS_WITH(block.setup(ragged), Contains("training target 1 has shape []") &&
                                             Contains("target 0 has shape [2]"));

  fb::RegressionBlock three({.n_out = 3});
  CHECK(three.n_out() == 3);
  const std::vector<fb::RegressionTarget> twos = {std::vector<float>{1, 2}};
  CHECK_THROWS_WITH(three.setup(twos), Contains("n_out is 3"));
  CHECK_THROWS_AS(fb::RegressionBlock({.n_out = -1}), fb::value_error);
}

TEST_CASE("TransformBlock wraps user functions into a block", "[data][blocks][transform]") {
  // The identity block fastai uses when a DataBlock names no blocks.
  fb::TransformBlock<std::string> identity;
  const std::vector<std::string> training = {"x"};
  identity.setup(training);
  CHECK(identity.encode("abc") == "abc");
  CHECK(identity.decode("abc") == "abc");
  CHECK(identity.n_out() == 0);
  STATIC_REQUIRE(decltype(identity)::loss_kind == fb::LossKind::none);

  // A block from callables, with state captured by value.
  int offset = 10;  // not const: a const int would not need capturing
  auto length = fb::make_block<std::string, fb::LossKind::mse>(
      [offset](const std::string& s) { return static_cast<int>(s.size()) + offset; },
      [offset](int n) { return std::string(static_cast<std::size_t>(n - offset), '*'); },
      {.n_out = 1});
  STATIC_REQUIRE(std::same_as<fb::item_t<decltype(length)>, int>);
  STATIC_REQUIRE(fb::Block<decltype(length)>);
  CHECK(length.encode("four") == 14);
  CHECK(length.decode(13) == "***");
  CHECK(length.n_out() == 1);
  CHECK(decltype(length)::loss_kind == fb::LossKind::mse);
}

TEST_CASE("to_raw turns what a getter returned into the block's raw type",
          "[data][blocks][concept]") {
  const std::string_view cell = "dog";  // what a DataFrame row hands out
  STATIC_REQUIRE(std::same_as<decltype(fb::to_raw<fb::CategoryBlock>(cell)), std::string>);
  CHECK(fb::to_raw<fb::CategoryBlock>(cell) == "dog");
  CHECK(fb::to_raw<fb::MultiCategoryBlock>(fb::split("a b")) == std::vector<std::string>{"a", "b"});
  CHECK(fb::to_raw<fb::RegressionBlock>(2.5).tolist() == std::vector<float>{2.5f});
  CHECK(fb::loss_name(fb::MultiCategoryBlock::loss_kind) == "BCEWithLogitsLossFlat");
  CHECK(fb::loss_name(fb::CategoryBlock::loss_kind) == "CrossEntropyLossFlat");
  CHECK(fb::loss_name(fb::RegressionBlock::loss_kind) == "MSELossFlat");
  CHECK(fb::loss_name(fb::LossKind::none) == "none");
}

TEST_CASE("CategoryMap indexed by a tensor gives a LabelList", "[data][blocks]") {
  const fb::CategoryMap vocab({"bottle", "cat", "dog"});
  CHECK(fb::repr(vocab[fb::tensor({std::int64_t{0}})]) == "(#1) ['bottle']");
  CHECK(vocab[fb::tensor({std::int64_t{2}, std::int64_t{1}})] == fb::LabelList{"dog", "cat"});
  CHECK(vocab[fb::scalar_tensor(std::int64_t{1})] == fb::LabelList{"cat"});
  CHECK_THROWS_AS(vocab[fb::tensor({std::int64_t{3}})], fb::index_error);
  CHECK_THROWS_AS(vocab[fb::tensor({0.5f})], fb::dtype_error);
  CHECK_THROWS_AS(vocab[fb::zeros({1, 1}).to(fb::int64)], fb::shape_error);
}
