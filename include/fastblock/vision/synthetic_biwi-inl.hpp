// fastblock/vision/synthetic_biwi-inl.hpp — definitions of synthetic_biwi.hpp.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/vision/image.hpp>
#include <fastblock/vision/synthetic_biwi.hpp>

namespace fastblock {

namespace detail::biwi {

/// Version of the drawing; part of the marker, so a new drawing regenerates old folders.
inline constexpr int drawing_version = 1;

/// Writes `text` to `path`; io_error naming it on failure.
FASTBLOCK_FUNC void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw io_error("fastblock::make_synthetic_biwi: cannot write " + path.string());
}

/// A number as BIWI's files print it (`%g` with 6 significant digits and a trailing space).
FASTBLOCK_FUNC std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g ", v);
  return buf;
}

/// Blends `colour` into pixel (x, y) with weight a in [0, 1].
FASTBLOCK_FUNC void blend(Image& img, std::int64_t x, std::int64_t y, Rgb colour, double a) {
  if (x < 0 || y < 0 || x >= img.width() || y >= img.height()) return;
  const Rgb p = img.at(x, y);
  const auto mix = [a](std::uint8_t from, std::uint8_t to) {
    return static_cast<std::uint8_t>(std::lround(from + (to - from) * a));
  };
  img.set(x, y, Rgb{mix(p.r, colour.r), mix(p.g, colour.g), mix(p.b, colour.b)});
}

/// Fills the ellipse centred at (cx, cy) with radii (rx, ry), rotated by `angle`, antialiased at
/// its edge.
FASTBLOCK_FUNC void ellipse(Image& img, double cx, double cy, double rx, double ry, double angle,
                            Rgb colour) {
  const double c = std::cos(angle), s = std::sin(angle);
  const double r = std::max(rx, ry) + 1;
  for (auto y = static_cast<std::int64_t>(cy - r); y <= static_cast<std::int64_t>(cy + r); ++y)
    for (auto x = static_cast<std::int64_t>(cx - r); x <= static_cast<std::int64_t>(cx + r); ++x) {
      const double dx = static_cast<double>(x) - cx, dy = static_cast<double>(y) - cy;
      const double u = (c * dx + s * dy) / rx, v = (-s * dx + c * dy) / ry;
      const double d = std::sqrt(u * u + v * v);  // 1 on the edge
      const double a = std::clamp((1.0 - d) * std::min(rx, ry) + 0.5, 0.0, 1.0);
      if (a > 0) blend(img, x, y, colour, a);
    }
}

/// One frame: background clutter and a head whose centre is at pixel (px, py), radius r, turned
/// by `yaw` (moves the face features sideways) and tilted by `roll`.
FASTBLOCK_FUNC Image head_image(std::int64_t w, std::int64_t h, double px, double py, double r,
                                double yaw, double roll, Generator& rng) {
  Image img(w, h);
  const Rgb wall{static_cast<std::uint8_t>(rng.randint(60, 200)),
                 static_cast<std::uint8_t>(rng.randint(60, 200)),
                 static_cast<std::uint8_t>(rng.randint(60, 200))};
  auto data = img.data();
  for (std::size_t i = 0; i < data.size(); i += 3) {
    const auto n = static_cast<int>(rng.randint(-12, 13));
    data[i] = static_cast<std::uint8_t>(std::clamp(wall.r + n, 0, 255));
    data[i + 1] = static_cast<std::uint8_t>(std::clamp(wall.g + n, 0, 255));
    data[i + 2] = static_cast<std::uint8_t>(std::clamp(wall.b + n, 0, 255));
  }
  // Clutter: a few boxes (furniture, a monitor) that are not heads.
  const auto boxes = rng.randint(2, 6);
  for (std::int64_t k = 0; k < boxes; ++k) {
    const double bw = rng.uniform(0.05, 0.3) * static_cast<double>(w);
    const double bh = rng.uniform(0.05, 0.3) * static_cast<double>(h);
    const double bx = rng.uniform(0, static_cast<double>(w) - bw);
    const double by = rng.uniform(0, static_cast<double>(h) - bh);
    const Rgb colour{static_cast<std::uint8_t>(rng.randint(0, 256)),
                     static_cast<std::uint8_t>(rng.randint(0, 256)),
                     static_cast<std::uint8_t>(rng.randint(0, 256))};
    for (auto y = static_cast<std::int64_t>(by); y < static_cast<std::int64_t>(by + bh); ++y)
      for (auto x = static_cast<std::int64_t>(bx); x < static_cast<std::int64_t>(bx + bw); ++x)
        blend(img, x, y, colour, 0.8);
  }
  // Shoulders, then the head: shadow, hair, face, eyes and mouth shifted by the yaw.
  ellipse(img, px, py + 1.9 * r, 1.9 * r, 0.9 * r, 0.0, Rgb{40, 50, 90});
  ellipse(img, px + 0.08 * r, py + 0.08 * r, 0.82 * r, r, roll, Rgb{30, 30, 30});
  ellipse(img, px, py - 0.12 * r, 0.84 * r, 0.98 * r, roll, Rgb{70, 45, 25});
  ellipse(img, px + 0.1 * yaw * r, py + 0.06 * r, 0.72 * r, 0.88 * r, roll, Rgb{224, 172, 140});
  const double fx = px + 0.3 * yaw * r, c = std::cos(roll), s = std::sin(roll);
  for (const double side : {-1.0, 1.0}) {
    const double ex = fx + side * 0.3 * r * c, ey = py - 0.1 * r + side * 0.3 * r * s;
    ellipse(img, ex, ey, 0.11 * r, 0.07 * r, roll, Rgb{250, 250, 250});
    ellipse(img, ex, ey, 0.05 * r, 0.05 * r, roll, Rgb{40, 30, 20});
  }
  ellipse(img, fx, py + 0.45 * r, 0.25 * r, 0.06 * r, roll, Rgb{150, 60, 60});
  return img;
}

}  // namespace detail::biwi

FASTBLOCK_FUNC SyntheticBiwi make_synthetic_biwi(const std::filesystem::path& folder,
                                                 const SyntheticBiwiOptions& o) {
  namespace fs = std::filesystem;
  namespace b = detail::biwi;
  const auto fail = [](const std::string& what) {
    throw value_error("fastblock::make_synthetic_biwi: " + what);
  };
  if (o.n_people < 1 || o.n_people > 99)
    fail("n_people must be 1 to 99, got " + std::to_string(o.n_people));
  if (o.frames_per_person < 1 || o.frames_per_person > 20000)
    fail("frames_per_person must be 1 to 20000, got " + std::to_string(o.frames_per_person));
  if (o.size.h < 32 || o.size.w < 32 || o.size.h > 4096 || o.size.w > 4096)
    fail("size must be 32 to 4096 pixels a side, got {h = " + std::to_string(o.size.h) +
         ", w = " + std::to_string(o.size.w) + "}");
  if (o.quality < 1 || o.quality > 100)
    fail("quality must be 1 to 100, got " + std::to_string(o.quality));

  SyntheticBiwi out{.path = folder, .n_images = o.n_people * o.frames_per_person};
  std::ostringstream marker_text;
  marker_text << "fastblock synthetic BIWI v" << b::drawing_version << " people " << o.n_people
              << " frames " << o.frames_per_person << " size " << o.size.h << "x" << o.size.w
              << " seed " << o.seed << " quality " << o.quality << "\n";
  const fs::path marker = folder / ".fastblock_synthetic_biwi";
  {
    std::ifstream in(marker, std::ios::binary);
    std::stringstream have;
    have << in.rdbuf();
    if (in && have.str() == marker_text.str()) return out;
  }
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec)
    throw io_error("fastblock::make_synthetic_biwi: cannot create " + folder.string() + ": " +
                   ec.message());
  const auto w = o.size.w, h = o.size.h;
  // BIWI's Kinect: f = 517.679 px at 640x480, principal point near the centre; scaled with size.
  const double scale = static_cast<double>(w) / 640.0;
  for (std::size_t p = 0; p < o.n_people; ++p) {
    char name[24];
    std::snprintf(name, sizeof name, "%02zu", p + 1);
    const fs::path dir = folder / name;
    fs::create_directories(dir, ec);
    if (ec)
      throw io_error("fastblock::make_synthetic_biwi: cannot create " + dir.string() + ": " +
                     ec.message());
    const double f = 517.679 * scale;  // one camera for everyone: the seed reads 01/rgb.cal only
    const double cx = static_cast<double>(w) / 2, cy = static_cast<double>(h) / 2 + 0.5 * scale;
    b::write_text(dir / "rgb.cal",
                  b::num(f) + "0 " + b::num(cx) + "\n0 " + b::num(f) + b::num(cy) +
                      "\n0 0 1 \n\n0 0 0 0 \n\n1 0 0 \n0 1 0 \n0 0 1 \n\n0 0 0 \n" +
                      std::to_string(w) + " " + std::to_string(h) + "\n");
    std::int64_t frame = 3;
    for (std::size_t k = 0; k < o.frames_per_person; ++k) {
      Generator rng = Generator::derive(o.seed, {p, k + 1});
      const double z = rng.uniform(800.0, 1200.0);  // mm from the camera
      const double r = 95.0 * f / z;                // head radius in pixels
      const double margin = 1.1 * r;
      const double px = rng.uniform(margin, static_cast<double>(w) - margin);
      const double py = rng.uniform(margin, static_cast<double>(h) - margin);
      const double yaw = rng.uniform(-0.8, 0.8), roll = rng.uniform(-0.3, 0.3);
      // Camera coordinates whose projection is (px, py): the seed's get_ctr inverts this.
      const double x = (px - cx) * z / f, y = (py - cy) * z / f;
      const double c = std::cos(yaw), s = std::sin(yaw);
      char stem[32];
      std::snprintf(stem, sizeof stem, "frame_%05lld_", static_cast<long long>(frame));
      b::write_text(dir / (std::string(stem) + "pose.txt"),
                    b::num(c) + "0 " + b::num(s) + "\n0 1 0 \n" + b::num(-s) + "0 " + b::num(c) +
                        "\n\n" + b::num(x) + b::num(y) + b::num(z) + "\n");
      const Image img = b::head_image(w, h, px, py, r, yaw, roll, rng);
      save_jpeg(img, dir / (std::string(stem) + "rgb.jpg"), o.quality);
      frame += 1 + rng.randint(0, 3);  // BIWI's frame numbers have gaps
    }
  }
  b::write_text(marker, marker_text.str());
  out.generated = true;
  return out;
}

}  // namespace fastblock
