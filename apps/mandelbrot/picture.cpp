// Escape time and colouring. Every floating-point step is written out in the
// order it is evaluated (the app is built with -ffp-contract=off), so a second
// implementation doing the same IEEE operations gets the same bytes.
#include "picture.hpp"

#include <cmath>
#include <iterator>
#include <stdexcept>

namespace mandelbrot {
namespace {

/// |z|^2 beyond which a point has escaped. A large radius makes the smooth
/// colouring continuous across iteration counts.
constexpr double kBailout2 = 256.0 * 256.0;
/// Iterations per trip round a palette.
constexpr double kCycle = 32.0;

struct Stop {
  double at;  ///< position in [0, 1]; the last stop is at 1 and has the first stop's colour
  double r, g, b;
};

constexpr Stop kClassic[] = {{0.0, 0, 7, 100},      {0.16, 32, 107, 203}, {0.42, 237, 255, 255},
                             {0.6425, 255, 170, 0}, {0.8575, 0, 2, 0},    {1.0, 0, 7, 100}};
constexpr Stop kFire[] = {
    {0.0, 16, 0, 0}, {0.3, 160, 16, 0}, {0.6, 255, 128, 0}, {0.8, 255, 230, 120}, {1.0, 16, 0, 0}};
constexpr Stop kGray[] = {{0.0, 32, 32, 32}, {0.5, 255, 255, 255}, {1.0, 32, 32, 32}};

struct StopList {
  const Stop* begin;
  const Stop* end;
};

StopList stops_of(Palette palette) {
  switch (palette) {
    case Palette::kFire:
      return {std::begin(kFire), std::end(kFire)};
    case Palette::kGray:
      return {std::begin(kGray), std::end(kGray)};
    case Palette::kClassic:
      break;
  }
  return {std::begin(kClassic), std::end(kClassic)};
}

std::uint8_t to_byte(double channel) { return static_cast<std::uint8_t>(channel + 0.5); }

/// The colour at position p in [0, 1) of a palette: linear between stops.
void colour_at(StopList stops, double p, std::uint8_t* out) {
  const Stop* s = stops.begin;
  while (s + 2 != stops.end && p >= s[1].at) ++s;
  const double f = (p - s[0].at) / (s[1].at - s[0].at);
  out[0] = to_byte(s[0].r + (s[1].r - s[0].r) * f);
  out[1] = to_byte(s[0].g + (s[1].g - s[0].g) * f);
  out[2] = to_byte(s[0].b + (s[1].b - s[0].b) * f);
}

/// Colours the point c = cx + i cy.
void shade(const Frame& frame, StopList stops, double cx, double cy, std::uint8_t* out) {
  double zr = 0.0, zi = 0.0, zr2 = 0.0, zi2 = 0.0;
  int n = 0;
  while (n < frame.iterations && zr2 + zi2 <= kBailout2) {
    zi = 2.0 * zr * zi + cy;
    zr = zr2 - zi2 + cx;
    zr2 = zr * zr;
    zi2 = zi * zi;
    ++n;
  }
  if (zr2 + zi2 <= kBailout2) {  // never escaped: inside the set
    out[0] = out[1] = out[2] = 0;
    return;
  }
  // Smooth: n + 1 - log2(log |z|), continuous where n jumps (and never below 0).
  double mu = frame.smooth ? n + 1 - std::log2(0.5 * std::log(zr2 + zi2)) : static_cast<double>(n);
  if (mu < 0.0) mu = 0.0;
  colour_at(stops, std::fmod(mu / kCycle, 1.0), out);
}

}  // namespace

std::optional<Palette> palette_named(std::string_view name) {
  if (name == "classic") return Palette::kClassic;
  if (name == "fire") return Palette::kFire;
  if (name == "gray") return Palette::kGray;
  return std::nullopt;
}

const char* name_of(Palette palette) {
  switch (palette) {
    case Palette::kFire:
      return "fire";
    case Palette::kGray:
      return "gray";
    case Palette::kClassic:
      break;
  }
  return "classic";
}

Frame frame_from_center(int width, int height, double cx, double cy, double scale, int iterations, Palette palette,
                        bool smooth) {
  Frame f;
  f.width = width;
  f.height = height;
  const double view_height = scale * height / width;
  f.x0 = cx - scale * 0.5;
  f.x1 = cx + scale * 0.5;
  f.y0 = cy - view_height * 0.5;
  f.y1 = cy + view_height * 0.5;
  f.iterations = iterations;
  f.palette = palette;
  f.smooth = smooth;
  return f;
}

Pixels render(const Tile& tile) {
  const Frame& f = *tile.frame;
  Pixels out;
  out.width = f.width;
  out.row0 = tile.row0;
  out.rows = tile.rows;
  out.rgb.resize(static_cast<std::size_t>(tile.rows) * static_cast<std::size_t>(f.width) * 3);
  const StopList stops = stops_of(f.palette);
  const double dx = (f.x1 - f.x0) / f.width;
  const double dy = (f.y1 - f.y0) / f.height;
  std::uint8_t* p = out.rgb.data();
  for (int row = tile.row0; row < tile.row0 + tile.rows; ++row) {
    const double cy = f.y1 - (row + 0.5) * dy;
    for (int col = 0; col < f.width; ++col, p += 3) shade(f, stops, f.x0 + (col + 0.5) * dx, cy, p);
  }
  return out;
}

Image assemble(const std::vector<Pixels>& bands) {
  Image image;
  if (bands.empty()) throw std::invalid_argument("no rows to assemble");
  image.width = bands.front().width;
  for (const Pixels& band : bands) {
    if (band.width != image.width)
      throw std::invalid_argument("a band of width " + std::to_string(band.width) + " in an image of width " +
                                  std::to_string(image.width));
    if (band.row0 != image.height)
      throw std::invalid_argument("expected row " + std::to_string(image.height) + ", got a band starting at row " +
                                  std::to_string(band.row0));
    image.height += band.rows;
  }
  image.rgb.reserve(static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height) * 3);
  for (const Pixels& band : bands) image.rgb.insert(image.rgb.end(), band.rgb.begin(), band.rgb.end());
  return image;
}

std::uint64_t fingerprint(const Image& image) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::uint8_t byte : image.rgb) h = (h ^ byte) * 0x100000001b3ull;
  return h;
}

}  // namespace mandelbrot
