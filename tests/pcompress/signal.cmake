# pcompress interrupted mid-run (level 19 on one thread: minutes of work) by a
# signal: the exit code says so, and neither the target nor a temporary file is left.
#   -DSIGNAL=INT|TERM -DEXIT=130|143
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
fresh_work()
generate(big.bin 67108864)
# The signal goes 500 ms after sink.file made its temporary file: the run is under way.
execute_process(COMMAND ${TOOL} run --signal ${SIGNAL} --wait-for ${WORK}/.big.bin.zst.braid-tmp- --after 500 -- ${PCOMPRESS} run ${PIPELINES}/compress.json
                        --set input.path=big.bin --set output.path=big.bin.zst --set compress.level=19
                        --set input.block_size=1048576 --threads 1
                WORKING_DIRECTORY ${WORK} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 0 OR NOT out MATCHES "exit=([0-9a-z-]+) max_rss_kb=[0-9]+ seconds=([0-9.]+)")
  fail("pz_tool run: ${code}\n${out}${err}")
endif()
set(exit ${CMAKE_MATCH_1})
set(seconds ${CMAKE_MATCH_2})
message(STATUS "pcompress ended ${seconds} s after its start, exit ${exit}")
if(NOT exit STREQUAL EXIT)
  fail("exit code: expected ${EXIT}, got ${exit}\n${err}")
endif()
if(SIGNAL STREQUAL "INT")
  set(said "interrupted")
else()
  set(said "terminated")
endif()
if(NOT err STREQUAL "pcompress: ${said}; nothing was written\n")
  fail("stderr: ${err}")
endif()
expect_absent(big.bin.zst)
file(REMOVE_RECURSE ${WORK})
