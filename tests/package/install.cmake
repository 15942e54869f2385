# package: install — `cmake --install` of braid's build tree into PREFIX (the
# fixture of the other package tests), and what must be there afterwards.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
file(REMOVE_RECURSE ${PREFIX})
step("install" ${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${PREFIX})

if(SHARED)
  set(library ${LIBDIR}/libbraid.so.${VERSION})
else()
  set(library ${LIBDIR}/libbraid.a)
endif()
set(missing "")
foreach(f bin/braid ${library} include/braid/braid.hpp include/braid/plugin.hpp include/braid/version.hpp
        ${LIBDIR}/cmake/braid/braidConfig.cmake ${LIBDIR}/cmake/braid/braidConfigVersion.cmake
        ${LIBDIR}/cmake/braid/braidTargets.cmake ${LIBDIR}/pkgconfig/braid.pc)
  if(NOT EXISTS ${PREFIX}/${f})
    string(APPEND missing " ${f}")
  endif()
endforeach()
if(missing)
  message(FATAL_ERROR "not installed in ${PREFIX}:${missing}")
endif()
if(SHARED)
  # The SONAME link, and the development link to it.
  string(REGEX MATCH "^[0-9]+\\.[0-9]+" soversion "${VERSION}")
  foreach(link libbraid.so.${soversion} libbraid.so)
    if(NOT IS_SYMLINK ${PREFIX}/${LIBDIR}/${link})
      message(FATAL_ERROR "no link ${PREFIX}/${LIBDIR}/${link}")
    endif()
  endforeach()
endif()
# The installed program runs from there (a shared libbraid through its RPATH).
expect_output("braid (braid ${VERSION})\n" ${PREFIX}/bin/braid --version)
