// Private: the naming rule shared by the spec layer's files.
#pragma once

#include <string_view>

namespace braid::detail {
/// Whether `id` is a valid node id: [A-Za-z_][A-Za-z0-9_-]*.
bool is_node_id(std::string_view id);
}  // namespace braid::detail
