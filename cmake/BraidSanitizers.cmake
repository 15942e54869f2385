# BRAID_SANITIZE=address;undefined or BRAID_SANITIZE=thread instruments every
# target of the build (library, apps, tests). Used by .ci/run's sanitizer passes.
#
# BRAID_SANITIZE=thread also needs an instrumented oneTBB: TSan cannot see the
# synchronisation inside Debian's libtbb.so, and reports every hand-off
# between a TBB worker and the waiting thread as a race. Build one from
# Debian's source package and point CMake at it:
#   bash cmake/tsan/build-tbb.sh build-tsan/_tbb
#   cmake -S . -B build-tsan -DBRAID_SANITIZE=thread -DCMAKE_PREFIX_PATH=$PWD/build-tsan/_tbb/install
# Executables find it at run time through their build-tree RPATH.
#
# BRAID_FUZZ=ON (clang only; see tests/fuzz/CMakeLists.txt) builds the
# libFuzzer targets: everything gets -fsanitize=fuzzer-no-link (coverage
# feedback) and BRAID_SANITIZE, address;undefined unless given.
option(BRAID_FUZZ "Build the libFuzzer targets of tests/fuzz (clang)" OFF)
if(BRAID_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "BRAID_FUZZ=ON needs clang: -DCMAKE_CXX_COMPILER=clang++")
  endif()
  if(NOT BRAID_SANITIZE)
    set(BRAID_SANITIZE "address;undefined" CACHE STRING
        "Sanitizers to build with: '', 'address;undefined' or 'thread'" FORCE)
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(BRAID_SANITIZE)
  list(JOIN BRAID_SANITIZE "," _braid_san)
  add_compile_options(-fsanitize=${_braid_san} -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=${_braid_san})
  if("undefined" IN_LIST BRAID_SANITIZE)
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
  if("thread" IN_LIST BRAID_SANITIZE)
    # GCC warns that TSan does not model std::atomic_thread_fence, from TBB's
    # headers; braid's own (detail::RecordDraft) is not compiled under TSan.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      add_compile_options(-Wno-tsan)
    endif()
    find_package(TBB REQUIRED)
    get_target_property(_braid_tbb_location TBB::tbb LOCATION)
    file(STRINGS "${_braid_tbb_location}" _braid_tbb_tsan REGEX "__tsan_init" LIMIT_COUNT 1)
    if(NOT _braid_tbb_tsan)
      message(FATAL_ERROR
        "BRAID_SANITIZE=thread needs a oneTBB built with -fsanitize=thread, but "
        "${_braid_tbb_location} is not instrumented. Run "
        "'bash cmake/tsan/build-tbb.sh build-tsan/_tbb' and configure with "
        "-DCMAKE_PREFIX_PATH=<absolute path of build-tsan/_tbb/install>.")
    endif()
    message(STATUS "ThreadSanitizer: instrumented oneTBB ${_braid_tbb_location}")
  endif()
endif()
