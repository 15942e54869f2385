# package: plugin — tests/package/plugin, a plugin project of its own, built
# against the installed braid, then loaded by the installed `braid` with --plugin.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
build_project(${CMAKE_CURRENT_LIST_DIR}/plugin -DCMAKE_PREFIX_PATH=${PREFIX})
set(plugin ${WORK}/build/libdouble_kinds.so)
expect_output("{\"result\": 110}\n" ${PREFIX}/bin/braid run ${CMAKE_CURRENT_LIST_DIR}/plugin/double.json --plugin ${plugin})
expect_output("example.double - Two times an int64\n  shape: map\n  concurrency: unlimited (default)\n  stateless: yes (a Program makes its bodies once)\n  inputs:\n    in: int64\n  outputs:\n    out: int64\n  parameters: none\n"
              ${CMAKE_COMMAND} -E env BRAID_PLUGIN_PATH=${plugin} ${PREFIX}/bin/braid kinds example.double)
