// mandelbrot: the Mandelbrot set rendered as row tiles in parallel and joined,
// in tile order, into one PNG. The braid command line plus five kinds of its own.
//
//                     ┌─> render (tile 0) ─┐
//   frame ──> tiles ──┼─> render (tile 1) ─┼─> assemble ──┬─> png     writes mandelbrot.png
//                     └─> render (tile k) ─┘  (in order)  └─> image   prints {"image": {...}}
//
//   ./mandelbrot run pipelines/mandelbrot.json --threads 2
//
// frame, tiles and png take parameters, so they are hand-written Kinds; render
// and assemble are plain functions made into kinds by map_kind / gather_kind.
#include <braid/braid.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cli.hpp"
#include "picture.hpp"
#include "png_file.hpp"

namespace {

using mandelbrot::Frame;
using mandelbrot::Image;
using mandelbrot::Pixels;
using mandelbrot::Tile;

constexpr std::int64_t kMaxSide = 8192;

std::string hex(std::uint64_t x) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(x));
  return text;
}

void register_types() {
  braid::TypeCodec frame_codec;
  frame_codec.encode = [](const braid::Value& v, nlohmann::json& out) {
    const Frame& f = v.get<Frame>();
    out = {{"width", f.width},
           {"height", f.height},
           {"region", {f.x0, f.x1, f.y0, f.y1}},
           {"iterations", f.iterations},
           {"palette", mandelbrot::name_of(f.palette)},
           {"smooth", f.smooth}};
  };
  braid::register_type<Frame>("mandelbrot.frame", frame_codec);
  braid::register_type<Tile>("mandelbrot.tile");
  braid::register_type<Pixels>("mandelbrot.pixels");
  braid::TypeCodec image_codec;
  image_codec.encode = [](const braid::Value& v, nlohmann::json& out) {
    const Image& image = v.get<Image>();
    out = {{"width", image.width}, {"height", image.height}, {"fnv1a64", hex(mandelbrot::fingerprint(image))}};
  };
  braid::register_type<Image>("image", image_codec);
}

/// "" when `v` is an array of `n` numbers, else the complaint.
std::string numbers(const nlohmann::json& v, std::size_t n, const std::string& want) {
  if (!v.is_array() || v.size() != n) return "must be " + want + ", " + braid::param::describe(v);
  for (const auto& x : v)
    if (!x.is_number()) return "must be " + want + ", " + braid::param::describe(v);
  return "";
}

// --- frame: one Frame from the parameters --------------------------------------

class FrameSource final : public braid::SourceBody {
 public:
  explicit FrameSource(Frame frame) : frame_(frame) {}
  bool next(braid::Value& out) override {
    if (done_) return false;
    done_ = true;
    out = braid::Value::of(frame_);
    return true;
  }

 private:
  Frame frame_;
  bool done_ = false;
};

braid::Kind frame_kind() {
  braid::Kind k;
  k.name = "mandelbrot.frame";
  k.doc = "One frame to draw: size, region of the complex plane, iterations, palette";
  k.shape = braid::Shape::kSource;
  k.outputs = {braid::PortSpec{"out", {"mandelbrot.frame"}, "the frame"}};
  k.concurrency = braid::Concurrency::serial();
  k.params = {
      braid::param::integer("width", "pixels across", 640, 1, kMaxSide),
      braid::param::integer("height", "pixels down", 480, 1, kMaxSide),
      braid::param::custom("center", "an array of two numbers [x, y]", "the point at the centre of the picture",
                           "[-0.75, 0]", false,
                           [](const nlohmann::json& v) { return numbers(v, 2, "an array of two numbers [x, y]"); }),
      braid::param::custom("scale", "a positive number", "width of the view in the complex plane", "3.5", false,
                           [](const nlohmann::json& v) -> std::string {
                             if (v.is_number() && v.get<double>() > 0) return "";
                             return "must be a positive number, " + braid::param::describe(v);
                           }),
      braid::param::custom("region", "an array of four numbers [x0, x1, y0, y1], x0 < x1, y0 < y1",
                           "the view as bounds, instead of center and scale", "", false,
                           [](const nlohmann::json& v) -> std::string {
                             const std::string want = "an array of four numbers [x0, x1, y0, y1]";
                             std::string bad = numbers(v, 4, want);
                             if (!bad.empty()) return bad;
                             if (!(v[0].get<double>() < v[1].get<double>()))
                               return "must have x0 < x1, got x0 = " + v[0].dump() + ", x1 = " + v[1].dump();
                             if (!(v[2].get<double>() < v[3].get<double>()))
                               return "must have y0 < y1, got y0 = " + v[2].dump() + ", y1 = " + v[3].dump();
                             return "";
                           }),
      braid::param::integer("iterations", "escape-time limit per pixel", 500, 1, 1000000),
      braid::param::string("palette", "colour map", "classic", {"classic", "fire", "gray"}),
      braid::param::boolean("smooth", "continuous colours; false: one colour band per iteration count", true),
  };
  k.check_params = [](const braid::Params& p) {
    std::vector<std::pair<std::string, std::string>> problems;
    if (p.has("region") && (p.has("center") || p.has("scale")))
      problems.emplace_back("", "give center and scale, or region, not both");
    return problems;
  };
  k.make = [](const braid::NodeConfig& c) -> std::unique_ptr<braid::NodeBody> {
    const braid::Params& p = c.params;
    const int width = static_cast<int>(p.get_or<std::int64_t>("width", 640));
    const int height = static_cast<int>(p.get_or<std::int64_t>("height", 480));
    const int iterations = static_cast<int>(p.get_or<std::int64_t>("iterations", 500));
    const auto palette = *mandelbrot::palette_named(p.get_or<std::string>("palette", "classic"));
    const bool smooth = p.get_or<bool>("smooth", true);
    const std::vector<double> center = p.get_or<std::vector<double>>("center", {-0.75, 0.0});
    Frame f = mandelbrot::frame_from_center(width, height, center[0], center[1], p.get_or<double>("scale", 3.5),
                                            iterations, palette, smooth);
    if (p.has("region")) {
      const std::vector<double> r = p.get<std::vector<double>>("region");
      f.x0 = r[0];
      f.x1 = r[1];
      f.y0 = r[2];
      f.y1 = r[3];
    }
    return std::make_unique<FrameSource>(f);
  };
  return k;
}

// --- tiles: a frame into bands of rows -----------------------------------------

class TileSplit final : public braid::FlatMapBody {
 public:
  explicit TileSplit(int rows) : rows_(rows) {}
  void apply(const braid::Message& in, braid::Emitter& out) override {
    auto frame = std::make_shared<const Frame>(in.value.get<Frame>());
    const int count = (frame->height + rows_ - 1) / rows_;
    for (int i = 0; i < count; ++i) {
      const int row0 = i * rows_;
      const Tile tile{frame, row0, std::min(rows_, frame->height - row0)};
      out.emit(in.tag.child(static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(count)), braid::Value::of(tile));
    }
  }

 private:
  int rows_;
};

braid::Kind tiles_kind() {
  braid::Kind k;
  k.name = "mandelbrot.tiles";
  k.doc = "Cuts a frame into tiles of `rows` rows (the last may be shorter), one chunk each";
  k.shape = braid::Shape::kFlatMap;
  k.depth_change = +1;
  k.inputs = {braid::PortSpec{"in", {"mandelbrot.frame"}, "the frame"}};
  k.outputs = {braid::PortSpec{"out", {"mandelbrot.tile"}, "its tiles, top to bottom"}};
  k.params = {braid::param::integer("rows", "rows per tile", 8, 1, kMaxSide)};
  k.make = [](const braid::NodeConfig& c) -> std::unique_ptr<braid::NodeBody> {
    return std::make_unique<TileSplit>(static_cast<int>(c.params.get_or<std::int64_t>("rows", 8)));
  };
  return k;
}

// --- png: the image into a PNG file, whole or not at all -----------------------

class PngSink final : public braid::SinkBody {
 public:
  // The temporary file is opened when the run starts, so a bad path fails
  // before any rendering. It is renamed into place by commit(), after the run
  // succeeded; a run that fails leaves no file behind (~PngFile removes it).
  explicit PngSink(std::string path) : file_(std::move(path)) {}
  void consume(const braid::Message& in) override {
    if (file_.written()) throw std::runtime_error("png.write takes one image; a second arrived");
    file_.write(in.value.get<Image>());
  }
  void commit() override {
    if (!file_.written()) throw std::runtime_error("png.write received no image");
    file_.commit();
  }

 private:
  mandelbrot::PngFile file_;
};

braid::Kind png_kind() {
  braid::Kind k;
  k.name = "png.write";
  k.doc = "Writes one image as an 8-bit RGB PNG file (through a temporary file renamed into place)";
  k.shape = braid::Shape::kSink;
  k.inputs = {braid::PortSpec{"in", {"image"}, "the image"}};
  k.concurrency = braid::Concurrency::serial();
  k.params = {braid::param::custom("path", "a non-empty string", "the file to write", "", true,
                                   [](const nlohmann::json& v) -> std::string {
                                     if (v.is_string() && !v.get<std::string>().empty()) return "";
                                     return "must be a non-empty string, " + braid::param::describe(v);
                                   })};
  k.make = [](const braid::NodeConfig& c) -> std::unique_ptr<braid::NodeBody> {
    return std::make_unique<PngSink>(c.params.get<std::string>("path"));
  };
  return k;
}

}  // namespace

int main(int argc, char** argv) {
  register_types();
  braid::Registry registry;
  braid::register_builtin_kinds(registry);
  registry.add(frame_kind());
  registry.add(tiles_kind());
  registry.add(braid::map_kind("mandelbrot.render", "Colours the pixels of one tile (escape time, palette)",
                               [](const Tile& tile) { return mandelbrot::render(tile); }));
  registry.add(braid::gather_kind("mandelbrot.assemble", "Joins the tiles of one frame, top to bottom, into an image",
                                  [](std::vector<Pixels> bands) { return mandelbrot::assemble(bands); }));
  registry.add(png_kind());
  return braid::cli::main(argc, argv, registry, "mandelbrot");
}
