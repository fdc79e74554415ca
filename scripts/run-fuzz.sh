#!/usr/bin/env bash
# Replays each fuzz target's seed corpus, then fuzzes it briefly (bounded time per target).
set -eu
dir=$1; secs=${FUZZ_SECONDS:-20}
for f in "$dir"/fuzz_*; do
  name=$(basename "$f"); corpus=fuzz/corpus/${name#fuzz_}
  mkdir -p "$corpus"; work=$(mktemp -d)
  echo "fuzz $name (${secs}s)"
  "$f" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=0 "$work" "$corpus" 2>"$work.log" || { tail -40 "$work.log"; exit 1; }
  rm -rf "$work" "$work.log"
done
