# Shared by the pcompress test scripts. Every script gets -DPCOMPRESS (the
# binary), -DTOOL (pz_tool), -DZSTD, -DPIPELINES and -DWORK (a directory of
# its own, emptied first and removed when the test passes).

# Empties WORK and makes it the directory later commands run in.
macro(fresh_work)
  file(REMOVE_RECURSE ${WORK})
  file(MAKE_DIRECTORY ${WORK})
endmacro()

# Fails the test with `message`; removes WORK first when REMOVE_ON_FAILURE is set.
function(fail message)
  if(REMOVE_ON_FAILURE)
    file(REMOVE_RECURSE ${WORK})
  endif()
  message(FATAL_ERROR "${message}")
endfunction()

# Writes SIZE deterministic bytes to WORK/name.
function(generate name size)
  execute_process(COMMAND ${TOOL} gen ${size} ${name} WORKING_DIRECTORY ${WORK} RESULT_VARIABLE code)
  if(NOT code EQUAL 0)
    fail("pz_tool gen ${size} ${name}: ${code}")
  endif()
endfunction()

# Runs pcompress with `ARGN` in WORK; sets pz_exit, pz_stdout and pz_stderr in the caller.
# [INPUT_FILE f] as the first two arguments: its standard input.
function(run_pcompress)
  set(input "")
  if(ARGV0 STREQUAL "INPUT_FILE")
    set(input INPUT_FILE ${ARGV1})
    list(REMOVE_AT ARGN 0 1)
  endif()
  execute_process(COMMAND ${PCOMPRESS} ${ARGN} ${input} WORKING_DIRECTORY ${WORK} RESULT_VARIABLE code
                  OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(pz_exit "${code}" PARENT_SCOPE)
  set(pz_stdout "${out}" PARENT_SCOPE)
  set(pz_stderr "${err}" PARENT_SCOPE)
endfunction()

# Like run_pcompress, and fails unless it exits 0 with nothing on stderr.
function(pcompress_ok)
  run_pcompress(${ARGN})
  if(NOT pz_exit EQUAL 0 OR NOT pz_stderr STREQUAL "")
    list(JOIN ARGN " " shown)
    fail("pcompress ${shown}: exit ${pz_exit}\n${pz_stderr}")
  endif()
endfunction()

# Fails if `target` (in WORK) exists or a temporary file of sink.file for it is left.
function(expect_absent target)
  if(EXISTS ${WORK}/${target})
    fail("${target} was written")
  endif()
  expect_no_temporaries(${target})
endfunction()

# Fails if a temporary file of sink.file for `target` is left in WORK.
function(expect_no_temporaries target)
  get_filename_component(name ${target} NAME)
  get_filename_component(dir ${WORK}/${target} DIRECTORY)
  file(GLOB left LIST_DIRECTORIES true "${dir}/.${name}.braid-tmp-*")
  if(left)
    fail("temporary files left: ${left}")
  endif()
endfunction()

# Fails unless `zstd -dc compressed` gives exactly the bytes of `original` (both in WORK).
function(expect_zstd_reads compressed original)
  execute_process(COMMAND ${ZSTD} -q -dc ${compressed} COMMAND cmp - ${original} WORKING_DIRECTORY ${WORK}
                  RESULTS_VARIABLE codes OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT codes STREQUAL "0;0")
    fail("zstd -dc ${compressed} | cmp - ${original}: ${codes}\n${out}${err}")
  endif()
endfunction()

# Fails unless the files `a` and `b` (in WORK) hold the same bytes.
function(expect_same a b)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${a} ${b} WORKING_DIRECTORY ${WORK} RESULT_VARIABLE code)
  if(NOT code EQUAL 0)
    fail("${a} and ${b} differ")
  endif()
endfunction()

# The number of zstd frames (skippable ones not counted) in `file`, by `zstd -lv`, into `var`.
function(count_frames file var)
  execute_process(COMMAND ${ZSTD} -lv ${file} WORKING_DIRECTORY ${WORK} RESULT_VARIABLE code OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT code EQUAL 0 OR NOT out MATCHES "# Zstandard Frames: ([0-9]+)")
    fail("zstd -lv ${file}: ${code}\n${out}${err}")
  endif()
  set(${var} ${CMAKE_MATCH_1} PARENT_SCOPE)
endfunction()
