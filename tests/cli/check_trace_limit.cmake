# Included by run_case.cmake with `output`, the --trace of seed.json with
# --trace-limit 2: two complete events, the ten other body runs recorded as
# dropped. Appends complaints to `failed`.
string(JSON n LENGTH "${output}" traceEvents)
set(complete 0)
math(EXPR last "${n} - 1")
foreach(i RANGE ${last})
  string(JSON ph GET "${output}" traceEvents ${i} ph)
  if(ph STREQUAL "X")
    math(EXPR complete "${complete} + 1")
  endif()
endforeach()
string(JSON events GET "${output}" otherData events)
string(JSON dropped GET "${output}" otherData dropped)
string(JSON limit GET "${output}" otherData limit)
if(NOT complete EQUAL 2 OR NOT events EQUAL 2 OR NOT dropped EQUAL 10 OR NOT limit EQUAL 2)
  string(APPEND failed "expected 2 events and 10 dropped at limit 2, got ${complete} complete events, "
                       "otherData events ${events}, dropped ${dropped}, limit ${limit}\n")
endif()
