# Helpers of the package tests' scripts. Every script gets, from CMakeLists.txt:
#   SOURCE_DIR BINARY_DIR   braid's source and build trees
#   PREFIX LIBDIR           where install.cmake installs braid, and its library folder
#   WORK                    this test's own folder (emptied first)
#   GENERATOR MAKE_PROGRAM CXX BUILD_TYPE SHARED VERSION ABI
cmake_minimum_required(VERSION 3.16)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

# Runs a command; fails the test with its output if it exits non-zero. The
# command's stdout is left in `step_output` in the caller's scope.
function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code EQUAL 0)
    list(JOIN ARGN " " shown)
    message(FATAL_ERROR "${what} failed (exit ${code}): ${shown}\n--- stdout\n${out}--- stderr\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

# Configures and builds the CMake project in SRC in WORK/build with the
# compiler and generator of braid's build; extra arguments go to configure.
function(build_project src)
  step("configure ${src}" ${CMAKE_COMMAND} -S ${src} -B ${WORK}/build -G ${GENERATOR}
       -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM} -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
       -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON ${ARGN})
  step("build ${src}" ${CMAKE_COMMAND} --build ${WORK}/build -j 2)
endfunction()

# Runs a command and requires exit 0, `expected` on stdout exactly and nothing on stderr.
function(expect_output expected)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code EQUAL 0 OR NOT out STREQUAL expected OR NOT err STREQUAL "")
    list(JOIN ARGN " " shown)
    message(FATAL_ERROR "${shown}: exit ${code}\n--- expected stdout\n${expected}--- stdout\n${out}--- stderr\n${err}")
  endif()
endfunction()

# What tests/package/consumer prints.
set(CONSUMER_OUTPUT "sum of squares of 1..100: 338350\nseed: {\"result\": 55}\nbraid ${VERSION}, plugin ABI ${ABI}\n")
