// fastblock/vision/synthetic_images-inl.hpp — out-of-line definitions for
// vision/synthetic_images.hpp.
//
// Included by synthetic_images.hpp in header-only mode and compiled once into the library
// otherwise; every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/data/csv.hpp>
#include <fastblock/data/strings.hpp>
#include <fastblock/data/synthetic.hpp>
#include <fastblock/vision/image.hpp>
#include <fastblock/vision/synthetic_images.hpp>

namespace fastblock {

namespace detail::synthetic {

/// Version of the drawing; part of the marker, so a new drawing regenerates old folders.
inline constexpr int drawing_version = 1;

/// A byte from a double, clamped.
FASTBLOCK_FUNC std::uint8_t byte(double v) {
  return static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
}

/// Whether (u, v) in [-1, 1]^2 is inside shape `s` (0-9; see the contract).
FASTBLOCK_FUNC bool inside(int s, double u, double v) {
  const double au = std::fabs(u), av = std::fabs(v), r2 = u * u + v * v;
  switch (s) {
    case 0:  // disc
      return r2 <= 1.0;
    case 1:  // square
      return au <= 0.85 && av <= 0.85;
    case 2:  // triangle, apex up
      return v >= -0.9 && v <= 0.9 && au <= (v + 0.9) / 1.8;
    case 3:  // ring
      return r2 <= 1.0 && r2 >= 0.36;
    case 4:  // plus
      return (au <= 0.3 && av <= 1.0) || (av <= 0.3 && au <= 1.0);
    case 5:  // diamond
      return au + av <= 1.0;
    case 6:  // striped block: three horizontal bands
      return au <= 0.9 && av <= 0.9 && static_cast<int>((v + 0.9) / 0.36) % 2 == 0;
    case 7:  // X
      return au <= 1.0 && av <= 1.0 && (std::fabs(u - v) <= 0.35 || std::fabs(u + v) <= 0.35);
    case 8:  // frame
      return std::max(au, av) <= 0.95 && std::max(au, av) >= 0.6;
    default:  // tall ellipse
      return (u / 0.55) * (u / 0.55) + v * v <= 1.0;
  }
}

/// value_error unless the options make sense.
FASTBLOCK_FUNC void check(const SyntheticPascalImagesOptions& o) {
  const auto fail = [](const std::string& what) {
    throw value_error("fastblock::make_synthetic_pascal: " + what);
  };
  if (o.size.h < 16 || o.size.w < 16 || o.size.h > 4096 || o.size.w > 4096)
    fail("size must be 16 to 4096 pixels a side, got {h = " + std::to_string(o.size.h) +
         ", w = " + std::to_string(o.size.w) + "}");
  if (!(o.size_jitter >= 0.0 && o.size_jitter <= 0.5))
    fail("size_jitter must be between 0 and 0.5, got " + std::to_string(o.size_jitter));
  if (o.quality < 1 || o.quality > 100)
    fail("quality must be between 1 and 100, got " + std::to_string(o.quality));
  if (!(o.valid_fraction >= 0.0 && o.valid_fraction <= 1.0))
    fail("valid_fraction must be between 0 and 1, got " + std::to_string(o.valid_fraction));
}

/// The marker text: every option that changes a byte of the dataset.
FASTBLOCK_FUNC std::string marker_text(const SyntheticPascalImagesOptions& o) {
  std::ostringstream os;
  os.precision(17);
  os << "fastblock synthetic PASCAL v" << drawing_version << "\nn_rows " << o.n_rows << "\nseed "
     << o.seed << "\nvalid_fraction " << o.valid_fraction << "\nsize " << o.size.h << "x"
     << o.size.w << "\nsize_jitter " << o.size_jitter << "\nquality " << o.quality << "\n";
  return os.str();
}

/// The file's content, or "" when it cannot be read.
FASTBLOCK_FUNC std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace detail::synthetic

FASTBLOCK_FUNC Rgb synthetic_class_colour(int index) {
  if (index < 0 || index >= 20)
    throw value_error("fastblock::synthetic_class_colour: class index must be 0 to 19, got " +
                      std::to_string(index));
  // Hue: classes k and k + 10 (one shape) are opposite; neighbours k, k + 1 differ in shape.
  const double hue = static_cast<double>(index) * 18.0 + (index >= 10 ? 9.0 : 0.0);
  const double value = index % 2 ? 0.95 : 0.8;  // alternate brightness too
  const double c = value, h = hue / 60.0, x = c * (1.0 - std::fabs(std::fmod(h, 2.0) - 1.0));
  double r = 0, g = 0, b = 0;
  if (h < 1) {
    r = c, g = x;
  } else if (h < 2) {
    r = x, g = c;
  } else if (h < 3) {
    g = c, b = x;
  } else if (h < 4) {
    g = x, b = c;
  } else if (h < 5) {
    r = x, b = c;
  } else {
    r = c, b = x;
  }
  return {detail::synthetic::byte(r * 255), detail::synthetic::byte(g * 255),
          detail::synthetic::byte(b * 255)};
}

FASTBLOCK_FUNC Image synthetic_pascal_image(const SyntheticPascalImagesOptions& o, std::size_t row,
                                            std::span<const int> classes) {
  namespace s = detail::synthetic;
  s::check(o);
  for (const int c : classes) (void)synthetic_class_colour(c);  // validates
  Generator rng = Generator::derive(o.seed, {0x696d616765ULL /* "image" */, row});
  const auto jitter = [&](std::int64_t side) {
    const double f = 1.0 + o.size_jitter * (2.0 * rng.uniform() - 1.0);
    return std::max<std::int64_t>(16, std::llround(static_cast<double>(side) * f));
  };
  const std::int64_t h = jitter(o.size.h), w = jitter(o.size.w);

  // Background: a muted base colour, a gentle gradient, clutter (muted boxes), pixel noise.
  Image image(w, h);
  const double base = 70 + 80 * rng.uniform(), tint_r = 20 * (rng.uniform() - 0.5),
               tint_b = 20 * (rng.uniform() - 0.5), grad = 40 * (rng.uniform() - 0.5);
  std::uint8_t* p = image.data().data();
  for (std::int64_t y = 0; y < h; ++y)
    for (std::int64_t x = 0; x < w; ++x, p += 3) {
      const double g =
          base + grad * (static_cast<double>(x + y) / static_cast<double>(w + h) - 0.5);
      p[0] = s::byte(g + tint_r);
      p[1] = s::byte(g);
      p[2] = s::byte(g + tint_b);
    }
  const int n_clutter = 3 + static_cast<int>(rng.randint(0, 6));
  for (int k = 0; k < n_clutter; ++k) {
    const std::int64_t cw = 2 + rng.randint(0, std::max<std::int64_t>(2, w / 3));
    const std::int64_t ch = 2 + rng.randint(0, std::max<std::int64_t>(2, h / 3));
    const std::int64_t cx = rng.randint(0, w), cy = rng.randint(0, h);
    const double level = 50 + 120 * rng.uniform(), warm = 25 * (rng.uniform() - 0.5);
    for (std::int64_t y = cy; y < std::min(h, cy + ch); ++y)
      for (std::int64_t x = cx; x < std::min(w, cx + cw); ++x)
        image.set(x, y, {s::byte(level + warm), s::byte(level), s::byte(level - warm)});
  }

  // One object per label, each in its own vertical slot of the image so none hides another.
  const std::int64_t n_objects = static_cast<std::int64_t>(classes.size());
  for (std::int64_t j = 0; j < n_objects; ++j) {
    const int c = classes[static_cast<std::size_t>(j)];
    const Rgb colour = synthetic_class_colour(c);
    const std::int64_t slot_left = w * j / n_objects, slot_w = w * (j + 1) / n_objects - slot_left;
    const std::int64_t room = std::min(h, slot_w);
    const std::int64_t d = std::clamp<std::int64_t>(
        static_cast<std::int64_t>(static_cast<double>(room) * (0.55 + 0.4 * rng.uniform())), 1,
        room);
    const std::int64_t x0 = slot_left + rng.randint(0, slot_w - d + 1);
    const std::int64_t y0 = rng.randint(0, h - d + 1);
    const double shade = 0.25 * (rng.uniform() - 0.5);  // light from one side
    const int shape = c % 10;
    for (std::int64_t y = y0; y < y0 + d; ++y)
      for (std::int64_t x = x0; x < x0 + d; ++x) {
        const double u = (2.0 * static_cast<double>(x - x0) + 1.0) / static_cast<double>(d) - 1.0;
        const double v = (2.0 * static_cast<double>(y - y0) + 1.0) / static_cast<double>(d) - 1.0;
        if (!s::inside(shape, u, v)) continue;
        const double f = 1.0 + shade * u;
        image.set(x, y, {s::byte(colour.r * f), s::byte(colour.g * f), s::byte(colour.b * f)});
      }
  }

  // Sensor noise over everything.
  for (std::uint8_t& b : image.data())
    b = s::byte(static_cast<double>(b) + static_cast<double>(rng.randint(-12, 13)));
  return image;
}

FASTBLOCK_FUNC SyntheticDataset make_synthetic_pascal(const std::filesystem::path& folder,
                                                      const SyntheticPascalImagesOptions& o) {
  namespace s = detail::synthetic;
  s::check(o);
  SyntheticDataset result{folder / "train.csv", folder / "train", o.n_rows, false};
  const std::filesystem::path marker = folder / ".fastblock-synthetic";
  const std::string text = s::marker_text(o);
  std::error_code ec;
  // Same options as the marker says: only images that went missing are drawn again.
  const bool present = std::filesystem::exists(result.csv, ec) && s::read_all(marker) == text;
  if (!present) {
    std::filesystem::create_directories(result.images, ec);
    if (ec)
      throw io_error("fastblock::make_synthetic_pascal: cannot create the folder '" +
                     result.images.string() + "': " + ec.message());
    std::filesystem::remove(marker, ec);  // the dataset is about to change
  }
  const DataFrame df = synthetic_pascal_frame(
      {.n_rows = o.n_rows, .seed = o.seed, .valid_fraction = o.valid_fraction});
  if (!present) to_csv(df, result.csv);
  const Column& fnames = df["fname"];
  const Column& labels = df["labels"];
  std::vector<int> classes;
  bool wrote = !present;
  for (std::size_t i = 0; i < o.n_rows; ++i) {
    const std::filesystem::path file =
        result.images / std::string(fnames[static_cast<std::int64_t>(i)]);
    if (present && std::filesystem::exists(file, ec)) continue;
    classes.clear();
    for (const std::string& label : split(labels[static_cast<std::int64_t>(i)], ' ')) {
      const auto at = std::find(pascal_classes.begin(), pascal_classes.end(), label);
      classes.push_back(static_cast<int>(at - pascal_classes.begin()));
    }
    save_jpeg(synthetic_pascal_image(o, i, classes), file, o.quality);
    wrote = true;
  }
  if (!present) {
    std::ofstream out(marker, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out)
      throw io_error("fastblock::make_synthetic_pascal: cannot write '" + marker.string() + "'");
  }
  result.generated = wrote;
  return result;
}

}  // namespace fastblock
