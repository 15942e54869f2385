# The end-to-end test helpers every test folder shares: one run of a real
# binary checked by tests/cli/run_case.cmake (exit code, exact stdout / stderr,
# files written), and the same command's output compared across variants by
# tests/apps/same_result.cmake. Included once by tests/CMakeLists.txt.
#
#   set(BRAID_CASE_PREFIX "logstats: ")   # optional, prepended to test names
#   set(BRAID_CASE_WORKDIR ${OUT})         # optional, where cases run (default: the binary dir)
#   braid_case("missing log" COMMAND ${LOGSTATS} run x.json EXIT 3 STDERR_FILE ${EXPECTED}/missing.err)
set(BRAID_RUN_CASE ${CMAKE_CURRENT_LIST_DIR}/../cli/run_case.cmake)
set(BRAID_SAME_RESULT ${CMAKE_CURRENT_LIST_DIR}/../apps/same_result.cmake)

# braid_test_properties(NAME [PROPERTY value...]): every test's timeout and the
# sanitizers' environment, plus any more properties.
function(braid_test_properties name)
  set_tests_properties("${name}" PROPERTIES TIMEOUT ${BRAID_TEST_TIMEOUT} ENVIRONMENT "${BRAID_TEST_ENV}" ${ARGN})
endfunction()

function(_braid_case_workdir out given)
  if(given)
    set(${out} ${given} PARENT_SCOPE)
  elseif(DEFINED BRAID_CASE_WORKDIR)
    set(${out} ${BRAID_CASE_WORKDIR} PARENT_SCOPE)
  else()
    set(${out} ${CMAKE_CURRENT_BINARY_DIR} PARENT_SCOPE)
  endif()
endfunction()

# braid_case(NAME COMMAND exe args... EXIT code [STDOUT text] [STDERR text]
#            [STDOUT_FILE f] [STDERR_FILE f] [STDOUT_MATCHES re] [STDERR_MATCHES re]
#            [STDIN_FILE f] [WORKDIR dir] [OUTPUT_FILE f [OUTPUT_CHECK script]]
#            [ENV VAR=value...] [PROPERTIES prop value...])
function(braid_case name)
  set(options STDOUT STDERR STDOUT_FILE STDERR_FILE STDOUT_MATCHES STDERR_MATCHES STDIN_FILE OUTPUT_FILE OUTPUT_CHECK)
  # PARSE_ARGV keeps a ';' inside an argument ("timed out after 0.5 s; nothing was written").
  cmake_parse_arguments(PARSE_ARGV 1 C "" "EXIT;WORKDIR;${options}" "COMMAND;ENV;PROPERTIES")
  # Expected texts go to run_case.cmake as files: a text may hold a ';' (which a
  # command line would split), and cmake_parse_arguments drops a keyword given
  # "", while `STDERR ""` still means "nothing on stderr".
  string(MAKE_C_IDENTIFIER "${BRAID_CASE_PREFIX}${name}" id)
  foreach(stream STDOUT STDERR)
    list(FIND ARGN ${stream} at)
    if(DEFINED C_${stream} OR at GREATER -1)
      set(file ${CMAKE_CURRENT_BINARY_DIR}/expected-texts/${id}.${stream})
      file(GENERATE OUTPUT ${file} CONTENT "${C_${stream}}")  # $<TARGET_FILE:...> in a text is resolved
      set(C_${stream}_FILE ${file})
      unset(C_${stream})
    endif()
  endforeach()
  list(JOIN C_COMMAND "|" command)
  set(defs "-DCOMMAND=${command}" "-DEXIT=${C_EXIT}")
  foreach(opt ${options})
    if(DEFINED C_${opt})
      list(APPEND defs "-D${opt}=${C_${opt}}")
    endif()
  endforeach()
  _braid_case_workdir(workdir "${C_WORKDIR}")
  set(test "${BRAID_CASE_PREFIX}${name}")
  add_test(NAME "${test}" COMMAND ${CMAKE_COMMAND} ${defs} -P ${BRAID_RUN_CASE} WORKING_DIRECTORY ${workdir})
  braid_test_properties("${test}" ${C_PROPERTIES})
  if(C_ENV)
    set_tests_properties("${test}" PROPERTIES ENVIRONMENT "${BRAID_TEST_ENV};${C_ENV}")
  endif()
endfunction()

# braid_same_result(NAME COMMAND exe args... VARIANTS v1 v2... [OUTPUT_FILE f]
#                   [STDOUT_MATCHES re] [WORKDIR dir] [PROPERTIES prop value...]):
# the command with each variant's arguments appended ("--threads 2") gives the
# same stdout and the same OUTPUT_FILE, byte for byte.
function(braid_same_result name)
  cmake_parse_arguments(C "" "OUTPUT_FILE;STDOUT_MATCHES;WORKDIR" "COMMAND;VARIANTS;PROPERTIES" ${ARGN})
  list(JOIN C_COMMAND "|" command)
  set(variants "")
  foreach(v ${C_VARIANTS})
    string(REPLACE " " "|" v "${v}")
    list(APPEND variants "${v}")
  endforeach()
  list(JOIN variants "@" variants)
  set(defs "-DCOMMAND=${command}" "-DVARIANTS=${variants}")
  foreach(opt OUTPUT_FILE STDOUT_MATCHES)
    if(DEFINED C_${opt})
      list(APPEND defs "-D${opt}=${C_${opt}}")
    endif()
  endforeach()
  _braid_case_workdir(workdir "${C_WORKDIR}")
  set(test "${BRAID_CASE_PREFIX}${name}")
  add_test(NAME "${test}" COMMAND ${CMAKE_COMMAND} ${defs} -P ${BRAID_SAME_RESULT} WORKING_DIRECTORY ${workdir})
  braid_test_properties("${test}" ${C_PROPERTIES})
endfunction()
