# A 4 GB file compressed with bounded memory: pcompress's peak resident set
# (wait4) stays under MAX_RSS_MB, and `zstd -dc` gives the input back.
#   -DSIZE=bytes -DMAX_RSS_MB=n -DLEVEL=n -DTHREADS=n
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(REMOVE_ON_FAILURE ON)  # never leave gigabytes behind
fresh_work()
string(TIMESTAMP t0 "%s")
generate(big.bin ${SIZE})
string(TIMESTAMP t1 "%s")
math(EXPR generated "${t1} - ${t0}")
execute_process(COMMAND ${TOOL} run -- ${PCOMPRESS} run ${PIPELINES}/compress.json --set input.path=big.bin
                        --set output.path=big.bin.zst --set compress.level=${LEVEL} --threads ${THREADS}
                WORKING_DIRECTORY ${WORK} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 0 OR NOT out MATCHES "exit=([0-9a-z-]+) max_rss_kb=([0-9]+) seconds=([0-9.]+)")
  fail("pz_tool run: ${code}\n${out}${err}")
endif()
set(exit ${CMAKE_MATCH_1})
set(rss_kb ${CMAKE_MATCH_2})
set(seconds ${CMAKE_MATCH_3})
math(EXPR rss_mb "${rss_kb} / 1024")
file(SIZE ${WORK}/big.bin.zst compressed)
message(STATUS "generated ${SIZE} bytes in ${generated} s; pcompress: ${seconds} s, peak RSS ${rss_mb} MB, "
               "${compressed} bytes out")
if(NOT exit STREQUAL "0")
  fail("pcompress: exit ${exit}\n${err}")
endif()
math(EXPR limit_kb "${MAX_RSS_MB} * 1024")
if(NOT rss_kb LESS limit_kb)
  fail("peak RSS ${rss_mb} MB, expected under ${MAX_RSS_MB} MB")
endif()
expect_no_temporaries(big.bin.zst)
expect_zstd_reads(big.bin.zst big.bin)
string(TIMESTAMP t2 "%s")
math(EXPR total "${t2} - ${t0}")
message(STATUS "whole test: ${total} s")
file(REMOVE_RECURSE ${WORK})
