#pragma once
// The Mandelbrot set as plain functions, with no braid in sight: a Frame says
// what to draw, render() colours a Tile (a band of rows) of it, assemble()
// joins the bands into one Image.
//
//   Frame f = frame_from_center(640, 480, -0.75, 0.0, 3.5, 500, Palette::kClassic, true);
//   auto shared = std::make_shared<const Frame>(f);
//   Image image = assemble({render(Tile{shared, 0, 240}), render(Tile{shared, 240, 240})});
//
// Every pixel is a pure function of the Frame and its coordinates, so an image
// is the same, byte for byte, however its tiles are cut and whichever thread
// renders them. The arithmetic is spelled out in picture.cpp (and repeated by
// the independent reference in tests/apps/mandelbrot_reference.py).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mandelbrot {

/// Named colour maps. Points inside the set are black in every palette.
enum class Palette { kClassic, kFire, kGray };

/// The palette called `name` ("classic", "fire", "gray"), or nothing.
std::optional<Palette> palette_named(std::string_view name);
/// The name of `palette`.
const char* name_of(Palette palette);

/// What to draw: `width` x `height` pixels covering the complex plane from
/// x0 to x1 (real part, left to right) and from y1 down to y0 (imaginary part,
/// top to bottom). A pixel is sampled at its centre.
struct Frame {
  int width = 0;
  int height = 0;
  double x0 = 0, x1 = 0, y0 = 0, y1 = 0;
  int iterations = 0;  ///< escape-time limit
  Palette palette = Palette::kClassic;
  bool smooth = true;  ///< continuous colours; false: one colour band per iteration count
};

/// A frame centred on (cx, cy) whose view is `scale` wide; its height follows
/// the pixels' aspect ratio.
Frame frame_from_center(int width, int height, double cx, double cy, double scale, int iterations, Palette palette,
                        bool smooth);

/// Rows [row0, row0 + rows) of a frame.
struct Tile {
  std::shared_ptr<const Frame> frame;
  int row0 = 0;
  int rows = 0;
};

/// The coloured rows of a tile: rows * width RGB triples, row after row.
struct Pixels {
  int width = 0;
  int row0 = 0;
  int rows = 0;
  std::vector<std::uint8_t> rgb;
};

/// A whole picture: height * width RGB triples, top row first.
struct Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;
};

/// Colours the pixels of `tile`. Thread-safe.
Pixels render(const Tile& tile);

/// Joins bands given top to bottom into one image. Throws std::invalid_argument
/// when they do not tile a picture exactly (a gap, an overlap, widths that differ).
Image assemble(const std::vector<Pixels>& bands);

/// FNV-1a (64 bits) of the image's RGB bytes: a cheap fingerprint for printing.
std::uint64_t fingerprint(const Image& image);

}  // namespace mandelbrot
