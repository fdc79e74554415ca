#!/usr/bin/env bash
# Replays each fuzz target's seed corpus, then fuzzes it briefly. The time is bounded:
# FUZZ_SECONDS per target when set, otherwise FUZZ_TOTAL_SECONDS (default 240) shared
# between the targets, at least 10 s each. New inputs go to a scratch directory (the
# checked-in seeds stay as they are); a crash leaves its input in build-fuzz/artifacts/.
set -eu
dir=$1
targets=("$dir"/fuzz_*)
total=${FUZZ_TOTAL_SECONDS:-240}
secs=${FUZZ_SECONDS:-$(( total / ${#targets[@]} > 10 ? total / ${#targets[@]} : 10 ))}
artifacts=$(dirname "$dir")/artifacts
mkdir -p "$artifacts"
for f in "${targets[@]}"; do
  name=$(basename "$f"); corpus=fuzz/corpus/${name#fuzz_}
  mkdir -p "$corpus"; work=$(mktemp -d)
  echo "fuzz $name (${secs}s)"
  if ! "$f" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=0 \
       -artifact_prefix="$artifacts/$name-" "$work" "$corpus" 2>"$work.log"; then
    tail -40 "$work.log"
    echo "fuzz $name failed; the input is in $artifacts/" >&2
    rm -rf "$work"
    exit 1
  fi
  rm -rf "$work" "$work.log"
done
