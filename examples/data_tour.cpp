// The data half of the seed's multi-label chapter, line by line: the DataFrame, Dataset and
// DataLoader, Datasets and DataLoaders, then the DataBlock from empty to multi-label, and its
// summary(). The data is generated (a PASCAL_2007-like train.csv written to a temporary folder)
// rather than downloaded; images come with the vision layer, so the file names stay text here.
#include <fastblock/data.hpp>
#include <fastblock/tensor.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

using namespace fastblock;
namespace fs = std::filesystem;

int main() {
  // path = untar_data(URLs.PASCAL_2007); df = pd.read_csv(path/'train.csv')
  const fs::path path = fs::temp_directory_path() / "fastblock_pascal_2007";
  fs::create_directories(path);
  {
    const DataFrame generated = synthetic_pascal_frame();
    std::ofstream out(path / "train.csv");
    out << "fname,labels,is_valid\n";
    for (std::size_t i = 0; i < len(generated); ++i) {
      const Row r = generated.iloc(static_cast<std::int64_t>(i));
      out << r["fname"] << ',' << r["labels"] << ',' << r["is_valid"] << '\n';
    }
  }
  DataFrame df = read_csv(path / "train.csv");
  std::cout << df.head() << "\n\n";

  // Pandas and DataFrames
  std::cout << df["fname"] << "\n\n" << df.iloc(0) << "\n\n";
  DataFrame tmp_df({{"a", {1, 2}}, {"b", {3, 4}}});
  tmp_df["c"] = tmp_df["a"] + tmp_df["b"];
  std::cout << tmp_df << "\n\n";

  // Dataset and DataLoader
  auto a = enumerate(ascii_lowercase);
  std::cout << show_value(std::tuple(a[0], len(a))) << '\n';
  auto dl_a = DataLoader(a, {.bs = 8, .shuffle = true});
  std::cout << show_value(first(dl_a)) << "\n\n";

  // Datasets and DataLoaders
  auto letters = list(ascii_lowercase);
  const auto f1 = [](const std::string& o) { return o + "a"; };
  const auto f2 = [](const std::string& o) { return o + "b"; };
  auto dss = Datasets(letters, Pipeline(f1), Pipeline(f2));
  std::cout << show_value(dss[0]) << '\n';
  auto dls = DataLoaders::from_dsets(dss, {.bs = 4});
  std::cout << show_value(first(dls.train)) << "\n\n";

  // What is DataBlock? An empty one: rows twice, a random 80/20 split.
  set_seed(42);
  auto dblock = DataBlock();
  auto dsets = dblock.datasets(df);
  std::cout << show_value(std::tuple(len(dsets.train), len(dsets.valid))) << '\n';
  auto [x, y] = dsets.train[0];
  std::cout << show_value(std::tuple(x, y)) << "\n\n";

  // get_x / get_y as lambdas, then as named functions building paths and label lists.
  auto dblock2 = DataBlock().get_x([](const Row& r) { return r["fname"]; }).get_y([](const Row& r) {
    return r["labels"];
  });
  std::cout << show_value(dblock2.datasets(df).train[0]) << '\n';
  const auto get_x = [&](const Row& r) { return (path / "train" / r["fname"]).string(); };
  const auto get_y = [](const Row& r) { return split(r["labels"], ' '); };
  std::cout << show_value(DataBlock().get_x(get_x).get_y(get_y).datasets(df).train[0]) << "\n\n";

  // Blocks: the targets become one-hot TensorMultiCategory over the 20 classes.
  auto dblock3 =
      DataBlock<TransformBlock<std::string>, MultiCategoryBlock>{}.get_x(get_x).get_y(get_y);
  auto dsets3 = dblock3.datasets(df);
  std::cout << show_value(dsets3.train[0]) << '\n';
  auto idxs = where(std::get<1>(dsets3.train[0]) == 1.)[0];
  std::cout << dsets3.vocab()[idxs] << "\n\n";

  // The seed's splitter(df) on the is_valid column, then summary() and the loaders.
  const auto splitter = [](const DataFrame& d) {
    return std::pair(d.index_where(~d["is_valid"].as<bool>()),
                     d.index_where(d["is_valid"].as<bool>()));
  };
  auto dblock4 = dblock3.splitter(splitter);
  auto dsets4 = dblock4.datasets(df);
  std::cout << show_value(std::tuple(len(dsets4.train), len(dsets4.valid))) << "\n\n";
  dblock4.summary(df);
  auto dls4 = dblock4.dataloaders(df, {.bs = 64});
  auto [xb, yb] = dls4.one_batch();
  std::cout << "\none batch: " << len(xb) << " inputs, targets " << yb.shape().str() << ", "
            << len(dls4.train) << " training and " << len(dls4.valid) << " validation batches\n";
  fs::remove_all(path);
  return 0;
}
