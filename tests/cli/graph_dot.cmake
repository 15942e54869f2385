# Checks that Graphviz accepts what `braid graph` prints: runs COMMAND, saves
# its stdout as OUT.dot and renders it with `DOT -Tsvg` into OUT.svg.
#   cmake -DCOMMAND="exe|arg|..." -DDOT=/usr/bin/dot -DOUT=path/stem -P graph_dot.cmake
string(REPLACE "|" ";" COMMAND "${COMMAND}")
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE code OUTPUT_FILE ${OUT}.dot ERROR_VARIABLE err)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "braid graph exited ${code}:\n${err}")
endif()
execute_process(COMMAND ${DOT} -Tsvg ${OUT}.dot RESULT_VARIABLE code OUTPUT_FILE ${OUT}.svg ERROR_VARIABLE err)
file(READ ${OUT}.svg svg)
if(NOT code EQUAL 0 OR NOT err STREQUAL "" OR NOT svg MATCHES "<svg")
  message(FATAL_ERROR "dot -Tsvg ${OUT}.dot: exit ${code}, stderr:\n${err}")
endif()
