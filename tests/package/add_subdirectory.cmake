# package: add_subdirectory — tests/package/consumer built with braid's source
# tree added by add_subdirectory (only the library and the consumer are built).
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
build_project(${CMAKE_CURRENT_LIST_DIR}/consumer -DBRAID_SOURCE_DIR=${SOURCE_DIR} -DBUILD_SHARED_LIBS=${SHARED})
expect_output("${CONSUMER_OUTPUT}" ${WORK}/build/consumer)
