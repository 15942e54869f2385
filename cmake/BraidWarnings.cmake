# braid_warnings: an interface target that carries the project's warning flags,
# and the code-layout flag below. It is linked PRIVATE and never exported, so
# users of braid do not inherit it.
add_library(braid_warnings INTERFACE)
if(MSVC)
  target_compile_options(braid_warnings INTERFACE /W4)
else()
  target_compile_options(braid_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                         -Wnon-virtual-dtor -Wold-style-cast -Wno-unused-parameter)
endif()

# On Intel cores with the JCC erratum microcode (Skylake to Cascade Lake), a
# jump that crosses or ends on a 32-byte boundary leaves the decoded-uop cache,
# and a tight loop whose jump the linker happens to place there runs up to twice
# as slow. reduce.sum over a range ran at 2.0x its hand-written twin in one
# link and 1.0x in another (bench/README.md, "The JCC erratum"). The assembler
# pads such jumps away: a few bytes of code, the same speed in every layout.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64|i.86)$" AND NOT MSVC)
  include(CheckCXXCompilerFlag)
  check_cxx_compiler_flag("-mbranches-within-32B-boundaries" BRAID_CXX_JCC_PADDING)  # Clang
  if(BRAID_CXX_JCC_PADDING)
    target_compile_options(braid_warnings INTERFACE -mbranches-within-32B-boundaries)
  else()
    check_cxx_compiler_flag("-Wa,-mbranches-within-32B-boundaries" BRAID_AS_JCC_PADDING)  # GCC and GNU as
    if(BRAID_AS_JCC_PADDING)
      target_compile_options(braid_warnings INTERFACE "-Wa,-mbranches-within-32B-boundaries")
    endif()
  endif()
endif()
