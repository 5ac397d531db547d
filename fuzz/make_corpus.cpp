// fuzz/make_corpus.cpp — writes the seed corpora of the fuzz targets under fuzz/corpus/<target>/
// (run by scripts/fuzz --make-corpus; the output is committed). Small, valid inputs of each
// kind, so that the fuzzers start past the first checks. The .pth and some .safetensors seeds are
// copies of tests/golden files (made by PyTorch and safetensors themselves).
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <fastblock/fastblock.hpp>

namespace fs = std::filesystem;
using namespace fastblock;

namespace {

fs::path root;

void write(const std::string& target, const std::string& name, const void* data, std::size_t n) {
  const fs::path dir = root / "fuzz" / "corpus" / target;
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary)
      .write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
}
void write(const std::string& target, const std::string& name, const std::string& s) {
  write(target, name, s.data(), s.size());
}
template <class T>
void write(const std::string& target, const std::string& name, const std::vector<T>& v) {
  write(target, name, v.data(), v.size() * sizeof(T));
}
void copy_seed(const std::string& target, const fs::path& from) {
  const fs::path dir = root / "fuzz" / "corpus" / target;
  fs::create_directories(dir);
  fs::copy_file(root / from, dir / from.filename(), fs::copy_options::overwrite_existing);
}

void csv() {
  // First byte: bits 0-1 pick the delimiter (, TAB ; |), bit 2 set means no header row.
  write("csv", "plain.csv",
        std::string("\x00", 1) +
            "fname,labels,is_valid\n000005.jpg,chair,True\n"
            "000007.jpg,car,True\n000009.jpg,horse person,True\n");
  write("csv", "quoted.csv",
        std::string("\x00", 1) + "a,\"b,c\"\r\n\"x\"\"y\",\"line\nbreak\"\r\n,\r\n");
  write("csv", "bom_tab.tsv",
        std::string("\x01", 1) +
            "\xEF\xBB\xBF"
            "name\tvalue\nalpha\t1\nbeta\t\n");
  write("csv", "noheader.csv", std::string("\x04", 1) + "1,2,3\n4,5,6");
  write("csv", "semicolon.csv", std::string("\x02", 1) + "x;y\r\"1;2\";3\r");
}

void image() {
  Image small(3, 2);
  small.set(0, 0, {255, 0, 0});
  small.set(1, 1, {0, 255, 0});
  small.set(2, 0, {0, 0, 255});
  write("image", "small.png", encode_png(small));
  Image grad(16, 8);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 16; ++x)
      grad.set(x, y, {static_cast<std::uint8_t>(x * 16), static_cast<std::uint8_t>(y * 32), 128});
  write("image", "grad.jpg", encode_jpeg(grad, 75));
  write("image", "grad.png", encode_png(grad));
  // A 2x2 24-bit BMP (rows bottom-up, padded to 4 bytes).
  const std::vector<std::uint8_t> bmp = {
      'B',  'M',  70,  0, 0,    0,    0, 0, 0,   0, 54, 0,   0,   0,  // file header
      40,   0,    0,   0, 2,    0,    0, 0, 2,   0, 0,  0,   1,   0,   24, 0,
      0,    0,    0,   0, 16,   0,    0, 0,  // info header
      0x13, 0x0B, 0,   0, 0x13, 0x0B, 0, 0, 0,   0, 0,  0,   0,   0,   0,  0,
      0,    0,    255, 0, 255,  0,    0, 0, 255, 0, 0,  255, 255, 255, 0,  0};  // pixels
  write("image", "tiny.bmp", bmp);
  // A 1x1 GIF89a with a 2-colour palette.
  const std::vector<std::uint8_t> gif = {'G', 'I', 'F', '8', '9', 'a', 1,   0,    1,    0, 0x80, 0,
                                         0,   255, 0,   0,   0,   0,   255, 0x2C, 0,    0, 0,    0,
                                         1,   0,   1,   0,   0,   2,   2,   0x44, 0x01, 0, 0x3B};
  write("image", "tiny.gif", gif);
}

void safetensors() {
  StateDict d;
  d.insert("weight", arange(6).to(float32).reshape({2, 3}));
  d.insert("index", arange(3).to(int64));
  d.insert("mask", Tensor(arange(4).to(int64) > 1));
  d.insert("bytes", arange(5).to(uint8));
  d.insert("scalar", full({}, 2.5f));
  d.insert("empty", zeros({0, 3}));
  write("safetensors", "mixed.safetensors", to_safetensors_bytes(d, {{"format", "pt"}}));
  StateDict one;
  one.insert("a", ones({2}));
  write("safetensors", "one.safetensors", to_safetensors_bytes(one));
  for (const char* f : {"basic", "convert", "empty", "int8"})
    copy_seed("safetensors",
              fs::path("tests/golden/safetensors") / (std::string(f) + ".safetensors"));
}

void pth() {
  for (const char* f : {"small", "proto4", "views", "dtypes", "many"})
    copy_seed("pth", fs::path("tests/golden/pth") / (std::string(f) + ".pth"));
}

void load_learner() {
  // The model fuzz_load_learner.cpp writes the weights of; the rest varies.
  const std::string model =
      R"("model":{"arch":"resnet","block":"basic","layers":[1,1,1,1],"in_channels":3,"n_out":2,)"
      R"("head":{"lin_ftrs":[],"ps":[0.5],"concat_pool":true,"first_bn":true,"bn_final":false,)"
      R"("y_range":null}})";
  const std::string input = R"("input":{"type":"ImageBlock","max_pixels":178956970})";
  const std::string norm =
      R"({"type":"Normalize","mean":[0.485,0.456,0.406],"std":[0.229,0.224,0.225]})";
  write(
      "load_learner", "multi.json",
      R"({"version":1,)" + model + "," + input +
          R"(,"item_tfms":[{"type":"Resize","size":{"h":64,"w":64},"method":"crop","pad_mode":"reflection"},{"type":"ToTensor"}],)"
          R"("batch_tfms":[{"type":"IntToFloatTensor"},)" +
          norm +
          R"(],"target":{"type":"MultiCategoryBlock","vocab":["cat","dog"]},)"
          R"("loss":{"type":"BCEWithLogitsLossFlat","thresh":0.5},"thresholds":[0.2,0.3]})");
  write(
      "load_learner", "single.json",
      R"({"version":1,)" + model + "," + input +
          R"(,"item_tfms":[{"type":"RandomResizedCrop","size":{"h":32,"w":48},"min_scale":0.35,"max_scale":1.0,"ratio":[0.75,1.3333333333333333],"val_xtra":0.14},{"type":"CenterCrop","size":{"h":32,"w":32},"pad_mode":"zeros"},{"type":"ToTensor"}],)"
          R"("batch_tfms":[{"type":"IntToFloatTensor"}],"target":{"type":"CategoryBlock","vocab":["a","b"]},)"
          R"("loss":{"type":"CrossEntropyLossFlat"},"thresholds":[]})");
  write(
      "load_learner", "points.json",
      R"({"version":1,)" + model + "," + input +
          R"(,"item_tfms":[{"type":"Resize","size":{"h":60,"w":80},"method":"squish","pad_mode":"border"},{"type":"ToTensor"},{"type":"PointScaler"}],)"
          R"("batch_tfms":[{"type":"IntToFloatTensor"},{"type":"AffineCoordTfm","mult":1.0,"do_flip":true,"flip_vert":false,"max_rotate":10.0,"min_zoom":1.0,"max_zoom":1.1,"max_lighting":0.2,"max_warp":0.2,"p_affine":0.75,"p_lighting":0.75,"size":{"h":30,"w":40},"pad_mode":"reflection"},)" +
          norm +
          R"(],"target":{"type":"PointBlock","n_points":1,"outside":"keep"},)"
          R"("loss":{"type":"MSELossFlat"},"thresholds":[]})");
}

}  // namespace

int main(int argc, char** argv) {
  root = argc > 1 ? fs::path(argv[1]) : fs::current_path();
  csv();
  image();
  safetensors();
  pth();
  load_learner();
}
