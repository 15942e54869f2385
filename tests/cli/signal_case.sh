#!/usr/bin/env bash
# Starts a command, sends it SIGNAL after DELAY seconds, and checks its exit
# code, its last stderr line and that OUTPUT (and sink.file's temporaries
# beside it) does not exist afterwards.
#   signal_case.sh SIGNAL DELAY EXIT STDERR_REGEX OUTPUT command args...
# A command still running SIGNAL_CASE_LIMIT seconds (default 60) after the
# signal is a hang: it is killed and the case fails.
# With SIGNAL_CASE_FINISHED=FILE, a run that ended before the signal arrived
# is accepted too: exit 0, no stderr, OUTPUT equal to FILE, no temporaries.
# With SIGNAL_CASE_EARLY=1, exit EXIT with an empty stderr is accepted: the
# signal's default action ended the command before it installed its handler
# (before the run began, so nothing was written either).
set -u
signal=$1 delay=$2 want_exit=$3 want_err=$4 output=$5
shift 5
dir=$(dirname "$output") name=$(basename "$output")
limit=${SIGNAL_CASE_LIMIT:-60}
rm -f "$output" "$dir"/."$name".braid-tmp-*
err=$(mktemp)
"$@" > /dev/null 2> "$err" &
pid=$!
sleep "$delay"
kill -s "$signal" "$pid" 2> /dev/null  # it may have ended already
# The watchdog: kills the command if it outlives the limit, and leaves a mark.
(
  sleeper=
  trap 'kill $sleeper; exit 0' TERM
  sleep "$limit" &
  sleeper=$!
  wait "$sleeper"
  touch "$err.hung"
  kill -s KILL "$pid"
) > /dev/null 2>&1 &
watchdog=$!
wait "$pid"
code=$?
kill "$watchdog" 2> /dev/null
wait "$watchdog" 2> /dev/null
failed=0
if [ -e "$err.hung" ]; then
  echo "still running $limit s after SIG$signal: killed"; failed=1
elif [ "$code" = 0 ] && [ -n "${SIGNAL_CASE_FINISHED:-}" ]; then
  # The run ended before the signal arrived: its output must be whole.
  if [ -s "$err" ]; then echo "finished, but wrote to stderr:"; cat "$err"; failed=1; fi
  if ! cmp -s "$output" "$SIGNAL_CASE_FINISHED"; then
    echo "finished (exit 0), but $output differs from $SIGNAL_CASE_FINISHED ($(wc -c < "$output" 2>&1) bytes)"
    failed=1
  fi
else
  if [ "$code" != "$want_exit" ]; then echo "exit code: expected $want_exit, got $code"; failed=1; fi
  if [ "${SIGNAL_CASE_EARLY:-}" = 1 ] && [ "$code" = "$want_exit" ] && [ ! -s "$err" ]; then
    :  # ended by the signal's default action before the handler was installed
  elif ! grep -Eq "$want_err" "$err"; then
    echo "stderr does not match '$want_err':"; cat "$err"; failed=1
  fi
  if [ -e "$output" ]; then echo "$output was written"; failed=1; fi
fi
if compgen -G "$dir/.$name.braid-tmp-*" > /dev/null; then echo "temporary files left: $(ls -a "$dir")"; failed=1; fi
rm -f "$err" "$err.hung"
if [ "$failed" = 0 ] && [ -n "${SIGNAL_CASE_FINISHED:-}" ]; then
  [ "$code" = 0 ] && echo finished || echo signalled
fi
rm -f "$output"
exit $failed
