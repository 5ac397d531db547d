// Tests for fastblock/data/{dataset,pipeline,datasets,dataloaders}.hpp: the seed's "Dataset(s)
// and Dataloader(s)" snippets one by one, pipelines and their generator hook, split validation,
// and DataLoaders::from_dsets.
#include <fastblock/data/dataloaders.hpp>
#include <fastblock/data/dataset.hpp>
#include <fastblock/data/datasets.hpp>
#include <fastblock/data/pipeline.hpp>
#include <fastblock/data/splitters.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>

#include "catch.hpp"

namespace {

using Catch::Matchers::Contains;
using namespace fastblock;

// The seed's transforms: `def f1(o): return o+'a'` and `def f2(o): return o+'b'`.
const auto f1 = [](const std::string& o) { return o + "a"; };
const auto f2 = [](const std::string& o) { return o + "b"; };

TEST_CASE("seed: a = list(enumerate(string.ascii_lowercase)) is a Dataset", "[data][seed]") {
  const auto a = enumerate(ascii_lowercase);
  // (a[0], len(a)) == ((0, 'a'), 26)
  CHECK(std::pair(a[0], len(a)) ==
        std::pair(std::pair<std::int64_t, std::string>(0, "a"), std::size_t{26}));
  CHECK(a[25] == std::pair<std::int64_t, std::string>(25, "z"));
  CHECK(first(a) == a[0]);
}

TEST_CASE("seed: a = list(string.ascii_lowercase)", "[data][seed]") {
  const auto a = list(ascii_lowercase);
  // (a[0], len(a)) == ('a', 26)
  CHECK(std::pair(a[0], len(a)) == std::pair(std::string("a"), std::size_t{26}));
}

TEST_CASE("enumerate and first on general ranges", "[data]") {
  const std::vector<double> xs{0.5, 1.5};
  const auto e = enumerate(xs);
  CHECK(e == std::vector<std::pair<std::int64_t, double>>{{0, 0.5}, {1, 1.5}});
  CHECK(enumerate(std::string("ab"))[1].second == "b");
  CHECK_THROWS_AS(first(std::vector<int>{}), index_error);
  CHECK_THROWS_WITH(first(std::vector<int>{}), Contains("fastblock::first"));
}

TEST_CASE("seed: Datasets(a), Datasets(a, [[f1]]), [[f1, f2]] and [[f1], [f2]]", "[data][seed]") {
  const auto a = list(ascii_lowercase);

  const auto dss0 = Datasets(a);  // 1-tuples of the raw items, as fastai gives ('a',)
  CHECK(dss0[0] == std::tuple<std::string>("a"));
  CHECK(len(dss0) == 26);

  const auto dss1 = Datasets(a, Pipeline(f1));
  CHECK(dss1[0] == std::tuple<std::string>("aa"));

  const auto dss2 = Datasets(a, Pipeline(f1, f2));
  CHECK(dss2[0] == std::tuple<std::string>("aab"));

  const auto dss = Datasets(a, Pipeline(f1), Pipeline(f2));
  CHECK(dss[0] == std::tuple<std::string, std::string>("aa", "ab"));
  CHECK(dss[25] == std::tuple<std::string, std::string>("za", "zb"));
  // Without splits everything is training data.
  CHECK(len(dss.train) == 26);
  CHECK(len(dss.valid) == 0);
  CHECK(dss.train[3] == dss[3]);
  CHECK_THROWS_AS(dss[26], index_error);
  CHECK_THROWS_WITH(dss[26], Contains("fastblock::Datasets: index 26 is out of range for 26"));
}

TEST_CASE("Pipeline composes left to right with typed intermediates", "[data][pipeline]") {
  const auto p = Pipeline([](const std::string& s) { return s.size(); },
                          [](std::size_t n) { return static_cast<double>(n) / 2; });
  CHECK(p(std::string("abc")) == 1.5);
  CHECK(Pipeline()(7) == 7);
  CHECK(decltype(p)::size() == 2);

  // A function returning a reference has its result copied out of the pipeline.
  const std::string kept = "kept";
  const auto ref = Pipeline([&](int) -> const std::string& { return kept; });
  CHECK(ref(0) == "kept");
}

TEST_CASE("Pipeline passes the item's generator to functions that take one", "[data][pipeline]") {
  const auto jitter = [](double x, Generator& rng) { return x + rng.uniform(); };
  const auto p = Pipeline(
      jitter, [](double x) { return x * 2; }, jitter);
  Generator g1(5), g2(5), g3(6);
  const double a = p(1.0, g1), b = p(1.0, g2), c = p(1.0, g3);
  CHECK(a == b);
  CHECK(a != c);

  // Datasets: dss[i] is get(i, derive(0, {0, i})), and the pipelines draw in order.
  const std::vector<double> items{0.0, 10.0, 20.0};
  const auto dss = Datasets(items, Pipeline(jitter), Pipeline(jitter));
  Generator rng = Generator::derive(0, {0, 1});
  CHECK(dss[1] == dss.get(1, rng));
  Generator expect = Generator::derive(0, {0, 1});
  const double first_draw = 10.0 + expect.uniform();
  const double second_draw = 10.0 + expect.uniform();
  CHECK(dss[1] == std::tuple{first_draw, second_draw});
  CHECK(std::get<0>(dss[0]) != std::get<0>(dss[1]) - 10.0);  // items get their own streams
}

TEST_CASE("Datasets with Splits has train and valid subsets", "[data][datasets]") {
  const auto a = list(ascii_lowercase);
  const auto dss = Datasets(a, Splits{{0, 2, 4}, {1, 3}}, Pipeline(f1), Pipeline(f2));
  CHECK(len(dss) == 26);
  CHECK(len(dss.train) == 3);
  CHECK(len(dss.valid) == 2);
  CHECK(dss.train[1] == std::tuple<std::string, std::string>("ca", "cb"));
  CHECK(dss.valid[1] == std::tuple<std::string, std::string>("da", "db"));
  CHECK(dss.valid.indices() == std::vector<std::size_t>{1, 3});
  CHECK(&dss.subset(1).items() == &dss.items());
  CHECK_THROWS_AS(dss.valid[2], index_error);

  // Copies share the items; they are values nonetheless, since nothing can modify them.
  const auto copy = dss;
  CHECK(&copy.items() == &dss.items());
  CHECK(copy.train[2] == dss.train[2]);

  // Designated initializers and no pipeline work too.
  const auto plain = Datasets(a, Splits{.train = {5}, .valid = {}});
  CHECK(plain.train[0] == std::tuple<std::string>("f"));
}

TEST_CASE("Datasets rejects invalid splits, naming the index", "[data][datasets]") {
  const auto a = list(ascii_lowercase);
  const auto make = [&](Splits s) { return Datasets(a, std::move(s), Pipeline(f1)); };
  CHECK_THROWS_AS(make({{0, 26}, {1}}), value_error);
  CHECK_THROWS_WITH(make({{0, 26}, {1}}),
                    Contains("index 26 in the training set is out of range for 26 items"));
  CHECK_THROWS_WITH(make({{0}, {-1}}),
                    Contains("index -1 in the validation set is out of range for 26 items"));
  CHECK_THROWS_AS(make({{0, 5}, {1, 5}}), value_error);
  CHECK_THROWS_WITH(make({{0, 5}, {1, 5}}),
                    Contains("index 5 is in both the training and the validation set"));
  CHECK_THROWS_AS(make({{}, {1, 2}}), value_error);
  CHECK_THROWS_WITH(make({{}, {1, 2}}), Contains("the training set is empty"));
  // Repeating an index within one set is allowed (oversampling).
  CHECK(len(make({{3, 3}, {}}).train) == 2);
}

TEST_CASE("seed: DataLoaders::from_dsets(dss, bs=4)", "[data][seed]") {
  const auto a = list(ascii_lowercase);
  const auto dss = Datasets(a, Pipeline(f1), Pipeline(f2));
  auto dls = DataLoaders::from_dsets(dss, {.bs = 4});

  // (('va','ra','ea','ua'), ('vb','rb','eb','ub')): each x + 'b' ends like its y.
  const std::tuple<std::vector<std::string>, std::vector<std::string>> b = first(dls.train);
  const auto& [xs, ys] = b;
  REQUIRE(xs.size() == 4);
  REQUIRE(ys.size() == 4);
  for (std::size_t k = 0; k < 4; ++k) {
    CAPTURE(k, xs[k], ys[k]);
    CHECK(xs[k].size() == 2);
    CHECK(xs[k][1] == 'a');
    CHECK(ys[k] == xs[k].substr(0, 1) + "b");
  }
  // Training shuffles and drops the last partial batch: 6 batches of 4 out of 26.
  CHECK(len(dls.train) == 6);
  CHECK(dls.train.options().shuffle);
  CHECK(dls.train.options().drop_last);
  CHECK(&dls[0] == &dls.train);
  CHECK(&dls[1] == &dls.valid);
  CHECK_THROWS_AS(dls[2], index_error);
  CHECK(len(dls.valid) == 0);  // no split: nothing to validate on

  std::size_t seen = 0;
  std::set<std::string> distinct;
  for (const auto& [x, y] : dls.train) {
    seen += x.size();
    distinct.insert(x.begin(), x.end());
  }
  CHECK(seen == 24);
  CHECK(distinct.size() == 24);
}

TEST_CASE("DataLoaders::from_dsets: validation keeps every item, in order", "[data][datasets]") {
  const auto a = list(ascii_lowercase);
  std::vector<std::int64_t> train, valid;
  for (std::int64_t i = 0; i < 26; ++i) (i % 5 == 0 ? valid : train).push_back(i);
  const auto dss = Datasets(a, Splits{train, valid}, Pipeline(f1), Pipeline(f2));
  auto dls = DataLoaders::from_dsets(dss, {.bs = 4, .num_workers = 0});
  CHECK(len(dls.valid) == 2);  // 6 items: a full batch and a partial one
  std::vector<std::string> order;
  for (const auto& [x, y] : dls.valid) order.insert(order.end(), x.begin(), x.end());
  CHECK(order == std::vector<std::string>{"aa", "fa", "ka", "pa", "ua", "za"});
  CHECK(len(dls.train) == 20 / 4);

  auto unshuffled = DataLoaders::from_dsets(dss, {.bs = 8, .shuffle_train = false});
  CHECK(len(unshuffled.train) == 3);  // 20 items, last partial batch kept
  CHECK(std::get<0>(first(unshuffled.train)).front() == "ba");
}

}  // namespace
