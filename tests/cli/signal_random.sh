#!/usr/bin/env bash
# SIGNAL at random moments of a run: before the graph starts, while it
# streams, near its end and after it has ended. A first run without a signal
# must write EXPECTED; its duration T sets the range of the delays. Each of
# ITERATIONS runs is then a signal_case.sh, whose delay is drawn from SEED: a
# quarter within the first 20 ms, the rest uniform in 0..1.5 T. A run the signal reached must
# exit EXIT with STDERR_REGEX (or, killed before its handler was installed,
# nothing on stderr) and leave neither OUTPUT nor a temporary beside it; a run
# that ended first must exit 0 with OUTPUT equal to EXPECTED. No run may hang.
#   signal_random.sh SIGNAL SEED ITERATIONS EXIT STDERR_REGEX EXPECTED OUTPUT command args...
set -u
signal=$1 seed=$2 iterations=$3 want_exit=$4 want_err=$5 expected=$6 output=$7
shift 7
here=$(dirname "$0")
start=$(date +%s%N)
"$@" > /dev/null
code=$?
took_ms=$((($(date +%s%N) - start) / 1000000))
if [ "$code" != 0 ] || ! cmp -s "$output" "$expected"; then
  echo "without a signal: exit $code, $output differs from $expected"
  exit 1
fi
rm -f "$output"
max_ms=$((took_ms * 3 / 2 + 20))
RANDOM=$seed
failed=0 finished=0 signalled=0
for ((i = 0; i < iterations; i++)); do
  if ((RANDOM % 4 == 0)); then ms=$((RANDOM % 20)); else ms=$((RANDOM % (max_ms + 1))); fi
  delay=$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))
  if said=$(SIGNAL_CASE_FINISHED=$expected SIGNAL_CASE_EARLY=1 \
            bash "$here/signal_case.sh" "$signal" "$delay" "$want_exit" "$want_err" "$output" "$@"); then
    if [ "$said" = finished ]; then finished=$((finished + 1)); else signalled=$((signalled + 1)); fi
  else
    echo "run $i of seed $seed: SIG$signal after $ms ms:"
    echo "$said"
    failed=1
  fi
done
echo "SIG$signal at $iterations random moments (seed $seed, 0..$max_ms ms; a run takes $took_ms ms): $signalled runs signalled, $finished ended first"
exit $failed
