#!/usr/bin/env bash
# bench/report.sh — renders docs/BENCHMARKS.md (on stdout) from bench/results/.
#
# bench/run.sh N leaves bench/results/N.tsv (one figure per line, columns named in run.sh)
# and bench/results/N.meta (machine, date, load). The main tables come from the largest
# run below 10M contacts (the full suite); the growth table puts side by side the
# figures every scale measured; tables other scripts left (bench/results/NAME-N.tsv)
# follow as they are. Hand-written explanations live in bench/notes.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RES=$ROOT/bench/results

mapfile -t SCALES < <(ls "$RES" 2>/dev/null | sed -n 's/^\([0-9]*\)\.tsv$/\1/p' | sort -n)
[ ${#SCALES[@]} -gt 0 ] || { echo "report: no results in $RES" >&2; exit 1; }
MAIN=${SCALES[-1]}
for s in "${SCALES[@]}"; do [ "$s" -lt 10000000 ] && MAIN=$s; done
meta() { awk -F'\t' -v k="$2" '$1 == k { print $2 }' "$RES/$1.meta" 2>/dev/null; }
human() { awk -v n="$1" 'BEGIN { if (n >= 1000000) printf "%gM", n / 1000000; else if (n >= 1000) printf "%gk", n / 1000; else print n }'; }

cat <<EOF
# Benchmarks

Written by \`bench/run.sh\` (\`make bench\`, \`make bench-10m\`); do not edit by hand — explanations
belong in \`bench/notes.md\`, which is copied to the end of this page.

Main run: **$(human "$MAIN") contacts**, $(meta "$MAIN" date), commit $(meta "$MAIN" commit), took $(meta "$MAIN" duration).

| machine | |
|---|---|
| CPU | $(meta "$MAIN" cpu) |
| memory | $(meta "$MAIN" memory) |
| kernel | $(meta "$MAIN" kernel) |
| SQLite / libmicrohttpd | $(meta "$MAIN" sqlite) / $(meta "$MAIN" libmicrohttpd) |
| compiler | $(meta "$MAIN" compiler) |
| load average before / after | $(meta "$MAIN" "load before") / $(meta "$MAIN" "load after") |
| method | $(meta "$MAIN" runs) |

How to read: every figure stands beside its goal from the issues and a baseline measured in
the same run on the same machine — \`bench/hello\` (a minimal libmicrohttpd server with the
same daemon flags and worker count) for HTTP rates, the same SQL query on raw SQLite
(\`bench/sqlq\`, the server's connection settings, one thread) for storage latencies. The
ratio is measured / baseline. Rates are medians of several \`wrk\` runs (2 threads, 64
connections, 127.0.0.1); ± is half the range of those runs around the median, a direct
measure of how noisy the machine was. Latencies are p50/p95/p99 over thousands of
requests sent one at a time over a keep-alive connection (\`bench/lat\`), after a warm-up.
The client tools run on the same 2 cores as the server, so they take CPU from it: the
baseline pays the same price.

EOF

awk -F'\t' '
$15 == "met" { met++; next } $15 == "missed" { missed++; miss = miss sprintf("%s%s", (missed > 1 ? "; " : ""), $3); next }
$15 == "not measured" { nm++; notm = notm sprintf("%s%s", (nm > 1 ? "; " : ""), $3) }
END {
  printf "**Summary:** %d goals met, %d missed, %d not measured.", met, missed, nm
  if (missed) printf " Missed: %s.", miss
  if (nm) printf " Not measured (feature missing): %s.", notm
  printf " The notes at the end say why and what would reach each missed goal.\n"
}' "$RES/$MAIN.tsv"
echo
for sc in "${SCALES[@]}"; do
  [ "$sc" = "$MAIN" ] && continue
  awk -F'\t' -v scale="$(human "$sc")" '
    $15 == "met" { met++ } $15 == "missed" { missed++; miss = miss sprintf("%s%s", (missed > 1 ? "; " : ""), $3) }
    END { printf "- at %s contacts (growth table): %d goals met, %d missed%s.\n", scale, met, missed, missed ? ": " miss : "" }' "$RES/$sc.tsv"
done

awk -F'\t' '
function commas(x,    s, neg, i, r) {
  neg = x < 0; if (neg) x = -x
  s = sprintf("%.0f", x); r = ""
  for (i = length(s); i > 3; i -= 3) r = "," substr(s, i - 2, 3) r
  return (neg ? "-" : "") substr(s, 1, i) r
}
function show(v, unit) {
  if (v == "") return "–"
  if (unit == "req/s" || unit == "rows/s" || unit == "moves/s") return commas(v) " " unit
  if (unit == "ms") return sprintf("%.2f ms", v)
  if (unit == "s") return sprintf("%.1f s", v)
  return v " " unit
}
{
  id = $1; sec = $2; fig = $3; unit = $4; val = $5; det = $6; goal = $7; bname = $11; bval = $12; ratio = $13
  spread = $14; st = $15; note = $16
  if (!(sec in rows)) order[++nsec] = sec
  m = (val == "") ? "–" : "**" show(val, unit) "**" (spread != "" ? " " spread : "")
  if (det != "") m = m "<br><sub>" det "</sub>"
  b = (bname == "") ? "" : bname " " show(bval, unit)
  r = (ratio == "") ? "" : sprintf("%.2f×", ratio)
  v = (st == "missed") ? "**missed**" : st
  if (note != "") v = v "<br><sub>" note "</sub>"
  rows[sec] = rows[sec] sprintf("| %s | %s | %s | %s | %s | %s |\n", fig, m, (goal == "" ? "–" : goal), b, r, v)
}
END {
  for (i = 1; i <= nsec; i++)
    printf "\n## %s\n\n| figure | measured | goal | baseline (same run) | ratio | verdict |\n|---|---|---|---|---|---|\n%s", order[i], rows[order[i]]
}' "$RES/$MAIN.tsv"

# growth: figures present in more than one scale
if [ ${#SCALES[@]} -gt 1 ]; then
  echo
  echo "## Growth with the size of the base"
  echo
  echo "The same figures at each size (each column its own run; dates below); latencies as"
  echo "p50 / p99. Flat or logarithmic growth is the goal; linear growth (10× per 10× contacts)"
  echo "would be a bug. p50 shows the cost of the work; p99 also carries the noise of a shared"
  echo "machine and the cold pages of a larger base."
  echo
  head="| figure |"; rule="|---|"
  for s in "${SCALES[@]}"; do head+=" $(human "$s") |"; rule+="---|"; done
  echo "$head"; echo "$rule"
  ids=$(for s in "${SCALES[@]}"; do cut -f1 "$RES/$s.tsv"; done | sort | uniq -c | awk '$1 > 1 { print $2 }')
  for id in $ids; do
    case $id in gen|hello*|health|rss_*|sse|import_*|export_*) continue ;; esac
    row=""; fig=""
    for s in "${SCALES[@]}"; do
      line=$(awk -F'\t' -v id="$id" '$1 == id' "$RES/$s.tsv")
      [ -n "$fig" ] || fig=$(cut -f3 <<< "$line")
      row+=" $(awk -F'\t' '{ if ($5 == "") print "–"
        else if ($4 == "ms") { p50 = $6; sub(/^p50 /, "", p50); sub(/ .*/, "", p50); printf "%.2f / %.2f ms", p50, $5 }
        else if ($4 == "s") printf "%.1f s", $5
        else printf "%.0f %s", $5, $4 }' <<< "$line") |"
    done
    echo "| $fig |$row"
  done
  echo
  for s in "${SCALES[@]}"; do echo "- $(human "$s"): $(meta "$s" date), commit $(meta "$s" commit), load $(meta "$s" "load before") → $(meta "$s" "load after")"; done
fi

# figures other scripts in bench/ left (bench/results/NAME-N.tsv with a header line),
# shown as they are
for f in "$RES"/*-*.tsv; do
  [ -f "$f" ] || continue
  name=$(basename "$f" .tsv)
  echo
  echo "## Also measured: $name"
  echo
  echo "From \`bench/${name%%-*}.sh\` (its own base and method; see that script), $(git -C "$ROOT" log -1 --format='committed %cs' -- "bench/results/$name.tsv" 2>/dev/null || true)."
  echo
  awk -F'\t' 'NR == 1 { printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $i; printf "\n|"; for (i = 1; i <= NF; i++) printf "---|"; printf "\n"; next }
               { printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $i; printf "\n" }' "$f"
done

if [ -f "$ROOT/bench/notes.md" ]; then echo; cat "$ROOT/bench/notes.md"; fi
