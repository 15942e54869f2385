// Loading plugins with dlopen(): see <braid/plugin.hpp>.
#include <braid/plugin.hpp>

#include <dlfcn.h>

#include <exception>
#include <string>
#include <utility>
#include <vector>

namespace braid {
namespace {

using RegisterFn = int (*)(Registry*, unsigned);

std::string quoted(const std::string& path) { return "'" + path + "'"; }

}  // namespace

void load_plugin(const std::string& path, Registry& registry) {
  // Without a '/', dlopen() would search the library path: name the file here instead.
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  // RTLD_NOW: an unresolved symbol fails here, not in the middle of a run.
  // RTLD_LOCAL: two plugins' own symbols never mix. Never dlclose()d: the
  // kinds' code lives in the library.
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    throw PluginError("cannot load plugin " + quoted(path) + ": " + (why ? why : "unknown error"));
  }
  void* entry = dlsym(handle, BRAID_PLUGIN_ENTRY);
  if (entry == nullptr) throw PluginError(quoted(path) + " is not a braid plugin: no " BRAID_PLUGIN_ENTRY);
  const auto* abi = static_cast<const unsigned*>(dlsym(handle, BRAID_PLUGIN_ABI_SYMBOL));
  if (abi == nullptr) throw PluginError(quoted(path) + " is not a braid plugin: no " BRAID_PLUGIN_ABI_SYMBOL);
  if (*abi != BRAID_ABI_VERSION)
    throw PluginError(quoted(path) + " was built for braid ABI " + std::to_string(*abi) + ", this is ABI " +
                      std::to_string(BRAID_ABI_VERSION) + ": rebuild it against this braid");
  // A function pointer from dlsym()'s void*: conditionally supported, and what POSIX requires to work.
  RegisterFn register_kinds = reinterpret_cast<RegisterFn>(entry);
  Registry extended = registry;  // all of the plugin's kinds, or none
  int code = 0;
  try {
    code = register_kinds(&extended, BRAID_ABI_VERSION);
  } catch (const std::exception& e) {
    throw PluginError(quoted(path) + " failed to register its kinds: " + e.what());
  } catch (...) {
    throw PluginError(quoted(path) + " failed to register its kinds: an exception that is not a std::exception");
  }
  if (code != 0)
    throw PluginError(quoted(path) + " failed to register its kinds: " BRAID_PLUGIN_ENTRY " returned " +
                      std::to_string(code));
  registry = std::move(extended);
}

std::vector<std::string> split_plugin_path(const std::string& value) {
  std::vector<std::string> paths;
  std::string::size_type begin = 0;
  while (begin <= value.size()) {
    std::string::size_type end = value.find(':', begin);
    if (end == std::string::npos) end = value.size();
    if (end > begin) paths.push_back(value.substr(begin, end - begin));
    begin = end + 1;
  }
  return paths;
}

}  // namespace braid
