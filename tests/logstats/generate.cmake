# Writes a generated access log: cmake -DGEN=logstats_gen -DN=50000 -DSEED=7 -DOUTPUT=f -P generate.cmake
execute_process(COMMAND ${GEN} ${N} ${SEED} OUTPUT_FILE ${OUTPUT} RESULT_VARIABLE code ERROR_VARIABLE err)
if(NOT code STREQUAL "0" OR NOT err STREQUAL "")
  message(FATAL_ERROR "${GEN} ${N} ${SEED}: exit ${code}\n${err}")
endif()
