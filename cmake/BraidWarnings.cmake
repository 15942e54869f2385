# braid_warnings: an interface target that carries the project's warning flags.
# It is linked PRIVATE and never exported, so users of braid do not inherit it.
add_library(braid_warnings INTERFACE)
if(MSVC)
  target_compile_options(braid_warnings INTERFACE /W4)
else()
  target_compile_options(braid_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                         -Wnon-virtual-dtor -Wold-style-cast -Wno-unused-parameter)
endif()
