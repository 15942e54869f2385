# package: pkg-config — tests/package/consumer/main.cpp compiled and linked
# with `pkg-config --cflags --libs braid` of the installed braid.pc, run.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(ENV{PKG_CONFIG_PATH} ${PREFIX}/${LIBDIR}/pkgconfig)
step("pkg-config" pkg-config --cflags --libs braid)
string(STRIP "${step_output}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
# The .pc file is relocatable: its -L names the installed library folder.
set(libdirs "")
foreach(flag IN LISTS flags)
  if(flag MATCHES "^-L(.+)")
    get_filename_component(dir "${CMAKE_MATCH_1}" REALPATH)
    list(APPEND libdirs ${dir})
  endif()
endforeach()
get_filename_component(installed ${PREFIX}/${LIBDIR} REALPATH)
if(NOT installed IN_LIST libdirs)
  message(FATAL_ERROR "pkg-config --libs braid does not name ${installed}: ${flags}")
endif()
step("compile" ${CXX} -std=c++17 -O1 ${CMAKE_CURRENT_LIST_DIR}/consumer/main.cpp ${flags} -o ${WORK}/consumer)
# A shared libbraid is found as any library outside the system's folders.
expect_output("${CONSUMER_OUTPUT}" ${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${PREFIX}/${LIBDIR} ${WORK}/consumer)
