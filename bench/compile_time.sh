#!/usr/bin/env bash
# What a translation unit pays for including braid: the median compile time
# (CPU time, user + system, so that a loaded machine skews it less than wall
# time) of a file that includes only <braid/braid.hpp>, against files that
# include only oneTBB's flow graph or only nlohmann/json.hpp.
#   bench/compile_time.sh [RUNS] [CXX]      (defaults: 7 runs, g++)
# Run from the repository root. Prints one line per file: median, min, max.
set -euo pipefail
runs=${1:-7}
cxx=${2:-g++}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf '#include <braid/braid.hpp>\nint main() { return 0; }\n' > "$dir/braid.cpp"
printf '#include <oneapi/tbb/flow_graph.h>\nint main() { return 0; }\n' > "$dir/flow_graph.cpp"
printf '#include <nlohmann/json.hpp>\nint main() { return 0; }\n' > "$dir/json.cpp"
printf 'int main() { return 0; }\n' > "$dir/empty.cpp"
echo "$("$cxx" --version | head -1); -std=c++17 -O2 -c; CPU seconds (user + sys) over $runs runs"
for f in empty braid flow_graph json; do
  times=()
  for ((i = 0; i < runs; ++i)); do
    t=$( { /usr/bin/time -f '%U %S' "$cxx" -std=c++17 -O2 -Ilib/include -c "$dir/$f.cpp" -o "$dir/$f.o"; } 2>&1 | tail -1)
    times+=("$(echo "$t" | awk '{printf "%.3f", $1 + $2}')")
  done
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  median=$(echo "$sorted" | sed -n "$(((runs + 1) / 2))p")
  printf '%-14s median %s s   (min %s, max %s)\n' "$f.cpp" "$median" "$(echo "$sorted" | head -1)" "$(echo "$sorted" | tail -1)"
done
