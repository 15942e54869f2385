#pragma once
/// \file
/// braid's version, and the ABI version that plugins are checked against.
///
/// ```cpp
/// #if BRAID_VERSION_MAJOR == 0 && BRAID_VERSION_MINOR < 2
/// // ... code for braid 0.1
/// #endif
/// std::puts(BRAID_VERSION_STRING);   // "0.1.0"
/// ```
///
/// Macros only: no code, no dependencies.

/// Major version: 0 until the API is stable.
#define BRAID_VERSION_MAJOR 0
/// Minor version; before 1.0 a new minor version may change the API and the ABI.
#define BRAID_VERSION_MINOR 1
/// Patch version: fixes only.
#define BRAID_VERSION_PATCH 0
/// "MAJOR.MINOR.PATCH", as `braid --version` prints it.
#define BRAID_VERSION_STRING "0.1.0"

/// The binary interface a plugin (see `<braid/plugin.hpp>`) is compiled against:
/// the layout and signatures of everything a plugin's code touches in braid's
/// public headers (Registry, Kind, PortSpec, ParamSpec, NodeConfig, the body
/// classes, Value, Type, Slice, Message, Tag, the errors), and the entry-point
/// convention itself. braid::load_plugin() refuses a plugin whose
/// braid_plugin_abi differs from this number.
///
/// Bump rule: add 1 in the same commit as any change to a public header that
/// changes a member, a base class, a virtual function, an enumerator's value or
/// a function signature of those types (adding a new free function or a new
/// type does not need a bump). Never reuse a number.
#define BRAID_ABI_VERSION 5
