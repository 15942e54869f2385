#!/usr/bin/env bash
# Starts a command, sends it SIGNAL after DELAY seconds, and checks its exit
# code, its last stderr line and that OUTPUT (and sink.file's temporaries
# beside it) does not exist afterwards.
#   signal_case.sh SIGNAL DELAY EXIT STDERR_REGEX OUTPUT command args...
set -u
signal=$1 delay=$2 want_exit=$3 want_err=$4 output=$5
shift 5
dir=$(dirname "$output") name=$(basename "$output")
rm -f "$output" "$dir"/."$name".braid-tmp-*
err=$(mktemp)
"$@" > /dev/null 2> "$err" &
pid=$!
sleep "$delay"
kill -s "$signal" "$pid"
wait "$pid"
code=$?
failed=0
if [ "$code" != "$want_exit" ]; then echo "exit code: expected $want_exit, got $code"; failed=1; fi
if ! grep -Eq "$want_err" "$err"; then echo "stderr does not match '$want_err':"; cat "$err"; failed=1; fi
if [ -e "$output" ]; then echo "$output was written"; failed=1; fi
if compgen -G "$dir/.$name.braid-tmp-*" > /dev/null; then echo "temporary files left: $(ls -a "$dir")"; failed=1; fi
rm -f "$err"
exit $failed
