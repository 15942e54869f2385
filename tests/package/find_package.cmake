# package: find_package — tests/package/consumer built against the installed
# braid with find_package(braid), run, its output compared.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
build_project(${CMAKE_CURRENT_LIST_DIR}/consumer -DCMAKE_PREFIX_PATH=${PREFIX})
# It found the installed package, not another one.
file(STRINGS ${WORK}/build/CMakeCache.txt found REGEX "^braid_DIR:")
if(NOT found STREQUAL "braid_DIR:PATH=${PREFIX}/${LIBDIR}/cmake/braid")
  message(FATAL_ERROR "found another braid: ${found}")
endif()
expect_output("${CONSUMER_OUTPUT}" ${WORK}/build/consumer)
