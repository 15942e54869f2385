#pragma once
/// \file
/// Plugins: shared libraries that add kinds to a Registry at run time, so that
/// the `braid` command (and every app built on its command line) can run
/// pipelines with kinds it was not compiled with. Guide: docs/plugins.md.
///
/// A plugin is one C++ file built as a module against braid's headers:
///
/// ```cpp
/// // triple.cpp -> libtriple.so
/// #include <braid/plugin.hpp>
///
/// BRAID_PLUGIN(registry) {
///   registry.add(braid::map_kind("my.triple", "Three times a number",
///                                [](std::int64_t x) { return 3 * x; }));
/// }
/// ```
///
/// ```
/// # CMakeLists.txt
/// find_package(braid REQUIRED)
/// add_library(triple MODULE triple.cpp)
/// target_link_libraries(triple PRIVATE braid::plugin)   # headers only, see below
///
/// $ braid run --plugin ./libtriple.so pipeline.json
/// $ BRAID_PLUGIN_PATH=/opt/kinds/libtriple.so braid kinds my.triple
/// ```
///
/// Linking: a plugin does not contain braid. Its references to braid's
/// functions (Registry::add, the type registry, ...) are resolved when it is
/// loaded, from the program that loads it, so that the plugin and the program
/// share one registry of types. `braid::plugin` therefore gives the headers
/// and no library; do not link `braid::braid` into a plugin, and do not build
/// it with `-fvisibility=hidden` or `-Wl,--no-undefined`.
///
/// Only a command line (`--plugin`) or the environment (`BRAID_PLUGIN_PATH`)
/// loads code: no key of a pipeline file does.
#include <braid/error.hpp>
#include <braid/registry.hpp>
#include <braid/version.hpp>

#include <string>
#include <vector>

namespace braid {

/// A plugin that cannot be loaded: the file cannot be opened as a shared
/// library, it lacks the entry point, it was built for another ABI, or its
/// entry point failed. what() starts with the path as given.
class PluginError : public Error {
 public:
  using Error::Error;
};

/// Loads the plugin at `path` and adds its kinds to `registry`, all of them
/// or, when anything fails, none. A `path` without a '/' names a file in the
/// current directory (the library search path is never searched). Throws
/// braid::PluginError with one of these messages:
///   cannot load plugin 'PATH': <the dynamic loader's message>
///   'PATH' is not a braid plugin: no braid_plugin_register
///   'PATH' is not a braid plugin: no braid_plugin_abi
///   'PATH' was built for braid ABI 4, this is ABI 2: rebuild it against this braid
///   'PATH' failed to register its kinds: <what the entry point threw, or its return code>
/// (a kind whose name is taken is such a failure). The library stays loaded
/// until the process exits, as the kinds' code lives in it, even after a
/// failure. Not thread-safe: load plugins before running pipelines.
void load_plugin(const std::string& path, Registry& registry);

/// The plugin paths listed in `value`, the format of the BRAID_PLUGIN_PATH
/// environment variable: separated by ':', empty entries skipped.
std::vector<std::string> split_plugin_path(const std::string& value);

}  // namespace braid

/// The entry point's C name, looked up with dlsym().
#define BRAID_PLUGIN_ENTRY "braid_plugin_register"
/// The name of the plugin's ABI constant, looked up with dlsym().
#define BRAID_PLUGIN_ABI_SYMBOL "braid_plugin_abi"

#if defined(__GNUC__) || defined(__clang__)
/// Gives a plugin's entry points default visibility, so that dlsym() finds them.
#define BRAID_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
/// Gives a plugin's entry points default visibility (nothing to do on this compiler).
#define BRAID_PLUGIN_EXPORT
#endif

/// Defines a plugin's entry points; the braced body that follows adds kinds
/// to `registry` (a braid::Registry&). It runs once per load_plugin(), on the
/// loading thread; it may throw (the load then fails and adds nothing). The
/// registry it sees already holds the program's kinds; it must not keep a
/// pointer to it. Use once per plugin. Defines, with C linkage:
///   const unsigned braid_plugin_abi;  // BRAID_ABI_VERSION of the headers it was built with
///   int braid_plugin_register(braid::Registry* registry, unsigned abi);
///       // returns 0 after running the body, or 1 without running it if
///       // `abi` is not braid_plugin_abi or `registry` is null
#define BRAID_PLUGIN(registry)                                                                                        \
  static void braid_plugin_body(::braid::Registry& registry);                                                         \
  extern "C" BRAID_PLUGIN_EXPORT const unsigned braid_plugin_abi = BRAID_ABI_VERSION;                                 \
  extern "C" BRAID_PLUGIN_EXPORT int braid_plugin_register(::braid::Registry* braid_registry_, unsigned braid_abi_) { \
    if (braid_registry_ == nullptr || braid_abi_ != braid_plugin_abi) return 1;                                       \
    braid_plugin_body(*braid_registry_);                                                                              \
    return 0;                                                                                                         \
  }                                                                                                                   \
  static void braid_plugin_body(::braid::Registry& registry)
