#!/usr/bin/env bash
# Checks wordcount against an independent reference, a shell pipeline:
#   cat FILE1; echo; cat FILE2; echo; ... | tr -cs 'A-Za-z' '\n' | tr 'A-Z' 'a-z' | grep -v '^$' | sort | uniq -c | sort -k1,1nr -k2,2
# over exactly the files source.files lists (regular files and links to them,
# at any depth, not through links to directories, no names starting with '.').
#   check.sh WORDCOUNT PIPELINE WORK corpus|DIR [K]
# corpus: first generates a small corpus in WORK/corpus. K: top.k (default: the
# pipeline's own, 20). The app must print the same bytes at --threads 1, 2 and
# 4, nothing on stderr, and equal the reference: top K, words and distinct.
set -euo pipefail
export LC_ALL=C
wordcount=$1 pipeline=$2 work=$3 dir=$4 k=${5:-}
rm -rf "$work"
mkdir -p "$work"

if [[ $dir == corpus ]]; then
  dir=$work/corpus
  mkdir -p "$dir/sub/deeper" "$dir/.hidden-dir"
  printf 'The the THE quick brown fox. Don'"'"'t stop-me now!! x1y2z\n' > "$dir/a.txt"
  printf 'caf\xc3\xa9 na\xc3\xafve\r\nfox Fox fOX\tquick_brown   alpha beta beta gamma gamma' > "$dir/b.txt"  # no final newline
  : > "$dir/empty.txt"
  printf 'hiddenword hiddenword\n' > "$dir/.hidden.txt"           # not listed: its name starts with '.'
  printf 'inhidden dir words\n' > "$dir/.hidden-dir/listed.txt"   # listed: only file names are matched
  ln -s a.txt "$dir/link-to-a.txt"                                 # a link to a file: listed, read again
  ln -s sub "$dir/link-to-sub"                                     # a link to a directory: not followed
  ln -s nowhere "$dir/broken-link"                                 # a broken link: not listed
  # Over 1 MiB (the app's read size), with a word across the first 1 MiB boundary.
  {
    head -c 1048570 /dev/zero | tr '\0' ' '
    printf 'straddling word'
    for i in $(seq 1 3000); do printf 'Lorem ipsum dolor sit amet %s, consectetur: adipiscing; elit\n' "$i"; done
  } > "$dir/sub/deeper/big.md"
  printf 'zeta eta theta\nTHETA eta\n' > "$dir/sub/c"
fi

# The reference.
find "$dir" -xtype f ! -name '.*' | sort > "$work/files.txt"
# Each file followed by a newline: a file's end ends its last word (b.txt has no final newline).
while IFS= read -r file; do cat "$file"; echo; done < "$work/files.txt" | tr -cs 'A-Za-z' '\n' | tr 'A-Z' 'a-z' | { grep -v '^$' || true; } | sort | uniq -c |
  sort -k1,1nr -k2,2 > "$work/reference.txt"
words=$(awk '{ s += $1 } END { print s + 0 }' "$work/reference.txt")
distinct=$(wc -l < "$work/reference.txt")
distinct=$((distinct))
top=$(head -n "${k:-20}" "$work/reference.txt" | awk 'BEGIN { ORS = "" } { printf "%s[\"%s\", %s]", (NR > 1 ? ", " : ""), $2, $1 }')
printf '{"result": {"distinct": %s, "top": [%s], "words": %s}}\n' "$distinct" "$top" "$words" > "$work/expected.txt"

set_k=()
if [[ -n $k ]]; then set_k=(--set "top.k=$k"); fi
status=0
for threads in 1 2 4; do
  if ! "$wordcount" run "$pipeline" --no-progress --threads "$threads" --set "files.path=\"$dir\"" "${set_k[@]}" \
      > "$work/out-$threads.txt" 2> "$work/err-$threads.txt"; then
    echo "FAIL: --threads $threads exited non-zero:"; cat "$work/err-$threads.txt"; status=1; continue
  fi
  if [[ -s $work/err-$threads.txt ]]; then
    echo "FAIL: --threads $threads wrote on stderr:"; cat "$work/err-$threads.txt"; status=1
  fi
  if ! cmp -s "$work/expected.txt" "$work/out-$threads.txt"; then
    echo "FAIL: --threads $threads differs from the reference:"
    diff "$work/expected.txt" "$work/out-$threads.txt" | head -20 || true
    status=1
  fi
done
if [[ $status == 0 ]]; then
  echo "ok: $(wc -l < "$work/files.txt") files, $words words, $distinct distinct, top ${k:-20} equal at 1, 2 and 4 threads"
  rm -rf "$work"
fi
exit $status
