# Runs Doxygen and fails on any warning: a non-zero exit (WARN_AS_ERROR =
# FAIL_ON_WARNINGS) or anything in the warnings log, which is printed.
#   cmake -DDOXYGEN=doxygen -DDOXYFILE=Doxyfile -DLOG=warnings.log -P run_doxygen.cmake
file(REMOVE ${LOG})
execute_process(COMMAND ${DOXYGEN} ${DOXYFILE} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(warnings "")
if(EXISTS ${LOG})
  file(READ ${LOG} warnings)
endif()
string(STRIP "${warnings}" warnings)
if(NOT code EQUAL 0 OR NOT warnings STREQUAL "" OR NOT "${err}" STREQUAL "")
  message(FATAL_ERROR "doxygen failed (exit ${code}):\n${warnings}\n${err}")
endif()
