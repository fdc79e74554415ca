#!/usr/bin/env bash
# bench/run.sh N — the benchmark suite behind `make bench` (N = 1000000) and
# `make bench-10m` (N = 10000000).
#
# Builds a base of N contacts with bench/gen in a fresh data directory, serves it on
# 127.0.0.1, measures every figure named in the issues beside a baseline taken in the same
# run (the bench/hello libmicrohttpd server for HTTP, the same query on raw SQLite through
# bench/sqlq for storage), writes the figures to bench/results/N.tsv and renders
# docs/BENCHMARKS.md from all results present (bench/report.sh). A figure whose feature
# is not built yet is listed as "not measured: feature missing".
#
#   N >= 10000000  only the figures of the growth table (card read, search, lookup, list,
#                  report): the 10M base has no deals or activities
#   N <  10000000  every figure; with N = 1000000 the growth figures are also taken at
#                  N/10 in a second, small base
#
# Environment: BENCH_RUNS (runs per rate, default 3), BENCH_SECONDS (per wrk run, 10),
# BENCH_LAT_SECONDS (per latency run, 5), BENCH_DIR (work files, default bench/out),
# BENCH_KEEP=1 keeps the data directories, BENCH_SEED (1).
set -euo pipefail

N=${1:?usage: bench/run.sh N}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
BIN=$ROOT/$BUILD/kartoteka
TOOLS=$ROOT/$BUILD/bench
WORK=${BENCH_DIR:-$ROOT/bench/out}
RESULTS=$ROOT/bench/results
RUNS=${BENCH_RUNS:-3}
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
LAT_SECONDS=${BENCH_LAT_SECONDS:-5}
SEED=${BENCH_SEED:-1}
ADMIN_EMAIL=admin@bench.example
ADMIN_PASSWORD=bench-admin-password
WORKERS=4                  # kartoteka serve's default, also given to hello

for t in "$BIN" "$TOOLS/gen" "$TOOLS/hello" "$TOOLS/lat" "$TOOLS/sqlq"; do
  [ -x "$t" ] || { echo "bench: $t is missing; run 'make bench-tools' (make bench does)" >&2; exit 1; }
done
for t in wrk curl; do
  command -v $t >/dev/null || { echo "bench: '$t' is not installed (scripts/deps.sh installs it)" >&2; exit 1; }
done
mkdir -p "$WORK" "$RESULTS"
T_START=$(date +%s)

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---------------------------------------------------------------- results

# one TSV line per figure; columns in this order (bench/report.sh reads them)
COLS=(id section figure unit value detail goal goal_on goal_op goal_num base_name base_value ratio spread status note)
declare -A R
record() {
  R=()
  local kv
  for kv in "$@"; do R[${kv%%=*}]=${kv#*=}; done
  local v=${R[value]:-} b=${R[base_value]:-}
  if [ -n "$v" ] && [ -n "$b" ]; then R[ratio]=$(awk -v v="$v" -v b="$b" 'BEGIN { if (b > 0) printf "%.3f", v / b }'); fi
  if [ -z "${R[status]:-}" ]; then
    local on=${R[goal_on]:-} x
    if [ -z "$on" ] || [ -z "$v" ]; then R[status]=reported
    else
      x=$v; [ "$on" = ratio ] && x=${R[ratio]:-}
      R[status]=$(awk -v x="$x" -v op="${R[goal_op]}" -v g="${R[goal_num]}" \
        'BEGIN { ok = (op == ">=") ? (x >= g) : (x <= g); print ok ? "met" : "missed" }')
    fi
  fi
  local line="" c
  for c in "${COLS[@]}"; do line+="${R[$c]:-}"$'\t'; done
  printf '%s\n' "${line%$'\t'}" >> "$OUT_TSV"
  log "figure ${R[id]}: ${R[value]:-–} ${R[unit]:-} (${R[status]}) ${R[note]:-}"
}

missing() {   # id section figure goal why
  record id="$1" section="$2" figure="$3" goal="$4" status="not measured" note="feature missing: $5"
}

json_get() {   # json_get FIELD < one-line JSON from lat/sqlq
  sed -n "s/.*\"$1\":\([-0-9.]*\).*/\1/p"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
spread() {   # "±x%": half the range of the runs around their median
  sort -g | awk '{ v[NR] = $1 } END { if (NR < 2) { print ""; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
                                      if (m > 0) printf "±%.1f%%", 50 * (v[NR] - v[1]) / m }'
}

# ---------------------------------------------------------------- processes

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }
  done
  echo "bench: no free port" >&2; exit 1
}

SERVER_PID= HELLO_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  [ -n "$HELLO_PID" ] && kill "$HELLO_PID" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

wait_http() {   # wait_http URL: until it answers, at most 30 s
  for _ in $(seq 1 300); do
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.1
  done
  echo "bench: $1 does not answer" >&2; exit 1
}

start_server() {   # start_server DATA_DIR
  PORT=$(free_port)
  URL=http://127.0.0.1:$PORT
  ulimit -n 8192 2>/dev/null || true   # room for the 1,000 SSE clients
  "$BIN" serve --data "$1" --listen 127.0.0.1:$PORT --workers $WORKERS > "$WORK/server-$N.log" 2>&1 &
  SERVER_PID=$!
  wait_http "$URL/api/v1/health"
}

stop_server() {
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}

start_hello() {
  HELLO_PORT=$(free_port)
  "$TOOLS/hello" $HELLO_PORT $WORKERS &
  HELLO_PID=$!
  wait_http "http://127.0.0.1:$HELLO_PORT/"
}

stop_hello() { kill "$HELLO_PID" 2>/dev/null || true; wait "$HELLO_PID" 2>/dev/null || true; HELLO_PID=; }

kib() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }   # kib PID VmRSS
mib() { awk -v k="${1:-0}" 'BEGIN { printf "%.1f", k / 1024 }'; }

login() {   # sets TOKEN (a bearer token of the admin)
  local jar=$WORK/cookies csrf
  csrf=$(curl -sf -c "$jar" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" "$URL/api/v1/auth/login" |
    sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p')
  TOKEN=$(curl -sf -b "$jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' -d '{"name":"bench"}' \
    "$URL/api/v1/auth/tokens" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
  [ -n "$TOKEN" ] || { echo "bench: cannot log in as $ADMIN_EMAIL" >&2; exit 1; }
  AUTH="Authorization: Bearer $TOKEN"
}

status_of() { curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "$URL$1"; }

# ---------------------------------------------------------------- measuring

# wrk_once URL [wrk args...]: prints "rate bad" (bad = non-2xx answers + socket errors)
wrk_once() {
  local url=$1; shift
  wrk -t2 -c64 -d${SECONDS_PER_RUN}s --timeout 5s "$@" "$url" > "$WORK/wrk.out" 2>&1 || true
  awk '/^Requests\/sec:/ { r = $2 }
       /Non-2xx or 3xx responses:/ { bad += $NF }
       /Socket errors:/ { gsub(/,/, ""); bad += $4 + $6 + $8 + $10 }
       END { printf "%s %d\n", r ? r : 0, bad }' "$WORK/wrk.out"
}

# lat_run NAME FILE [CONNS]: latency over HTTP of the requests in FILE
lat_run() {
  "$TOOLS/lat" -c "${3:-1}" -d "$LAT_SECONDS" -H "$AUTH" -f "$2" "$URL" 2> "$WORK/$1.err" | tee "$WORK/$1.json"
}
# sql_run NAME PARAMS SQL: the same query on raw SQLite
sql_run() {
  "$TOOLS/sqlq" -d "$LAT_SECONDS" -f "$2" "$DATA/kartoteka.db" "$3" 2> "$WORK/$1.err" | tee "$WORK/$1.json"
}
lat_detail() {   # "p50 a / p95 b / p99 c ms, n requests[, e errors]"
  awk -v j="$1" 'BEGIN {
    n = split(j, kv, /[,{}]/); for (i = 1; i <= n; i++) { split(kv[i], p, ":"); gsub(/"/, "", p[1]); v[p[1]] = p[2] }
    printf "p50 %s / p95 %s / p99 %s ms, %d requests", v["p50_ms"], v["p95_ms"], v["p99_ms"], v["requests"]
    if (v["errors"] > 0) printf ", %d errors", v["errors"] }'
}

# ---------------------------------------------------------------- the data

OUT_TSV=$RESULTS/$N.tsv.part
: > "$OUT_TSV"
DATA=$WORK/data-$N

build_base() {   # build_base N DIR EXTRA_GEN_ARGS...
  local n=$1 dir=$2; shift 2
  rm -rf "$dir"
  "$BIN" init --data "$dir" --admin-email "$ADMIN_EMAIL" --admin-password "$ADMIN_PASSWORD" > /dev/null
  local t0 t1
  t0=$(date +%s.%N)
  "$TOOLS/gen" --data "$dir" --contacts "$n" --seed "$SEED" "$@" 2> >(tee "$WORK/gen-$n.log" >&2)
  t1=$(date +%s.%N)
  GEN_SECONDS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "building a base of $N contacts in $DATA"
if [ "$N" -ge 10000000 ]; then build_base "$N" "$DATA" --deals 0 --activities 0
else build_base "$N" "$DATA"; fi
record id=gen section="Data generator (issue 7)" figure="bench/gen: $N contacts with companies, deals, activities, all indexes" \
  unit=s value="$GEN_SECONDS" detail="$(grep -c . "$WORK/gen-$N.log") phases, see bench/out/gen-$N.log" \
  goal="1M contacts in under a minute" goal_on=value goal_op="<=" goal_num="$(awk -v n="$N" 'BEGIN { print 60 * n / 1000000 }')"

# ---------------------------------------------------------------- server foundation (issue 2)

start_server "$DATA"
sleep 1
RSS_REST=$(kib "$SERVER_PID" VmRSS)
login
start_hello
S2="Server foundation (issue 2)"

if [ "$N" -lt 10000000 ]; then
  log "hello-world vs /health vs /users/{id}, $RUNS x ${SECONDS_PER_RUN}s each, interleaved"
  : > "$WORK/hello.rates"; : > "$WORK/health.rates"; : > "$WORK/users.rates"
  BAD=0
  for r in $(seq 1 "$RUNS"); do
    read -r rate bad < <(wrk_once "http://127.0.0.1:$HELLO_PORT/api/v1/health"); echo "$rate" >> "$WORK/hello.rates"
    read -r rate bad < <(wrk_once "$URL/api/v1/health"); echo "$rate" >> "$WORK/health.rates"; BAD=$((BAD + bad))
    read -r rate bad < <(wrk_once "$URL/api/v1/users/1" -H "$AUTH"); echo "$rate" >> "$WORK/users.rates"; BAD=$((BAD + bad))
  done
  HELLO=$(median < "$WORK/hello.rates")
  runs() { paste -sd' ' "$1" | awk '{ for (i = 1; i <= NF; i++) printf "%s%.0f", (i > 1 ? ", " : ""), $i }'; }
  record id=hello section="$S2" figure="bench/hello: minimal libmicrohttpd server, same flags and $WORKERS workers" unit=req/s \
    value="$HELLO" spread="$(spread < "$WORK/hello.rates")" detail="median of $RUNS runs: $(runs "$WORK/hello.rates")" \
    note="the HTTP baseline of every rate below"
  record id=health section="$S2" figure="GET /api/v1/health" unit=req/s value="$(median < "$WORK/health.rates")" \
    spread="$(spread < "$WORK/health.rates")" detail="median of $RUNS runs: $(runs "$WORK/health.rates")" \
    base_name=hello-world base_value="$HELLO"
  record id=users_read section="$S2" figure="GET /api/v1/users/{id} with a bearer token" unit=req/s \
    value="$(median < "$WORK/users.rates")" spread="$(spread < "$WORK/users.rates")" \
    detail="median of $RUNS runs: $(runs "$WORK/users.rates")$( [ $BAD -gt 0 ] && echo "; $BAD failed answers")" \
    goal="≥ 50% of hello-world" goal_on=ratio goal_op=">=" goal_num=0.5 base_name=hello-world base_value="$HELLO"
fi

# ---------------------------------------------------------------- memory

record id=rss_rest section="$S2" figure="server RSS at rest (started on the $N-contact base, before any request)" unit=MiB \
  value="$(mib "$RSS_REST")" goal="≤ 16 MiB" goal_on=value goal_op="<=" goal_num=16

sleep 2   # let the last connections close
RSS=$(kib "$SERVER_PID" VmRSS) HWM=$(kib "$SERVER_PID" VmHWM) ANON=$(kib "$SERVER_PID" RssAnon) FILE=$(kib "$SERVER_PID" RssFile)
record id=rss_load section="$S2" figure="server memory after the load above: anonymous (heap, SQLite page caches)" unit=MiB \
  value="$(mib "$ANON")" detail="VmRSS $(mib "$RSS") MiB, peak VmHWM $(mib "$HWM") MiB, file-backed (mapped database) $(mib "$FILE") MiB" \
  goal="≤ 64 MiB beyond SQLite's page cache (DESIGN.md): ≤ 64 + $WORKERS × 16 MiB of caches" goal_on=value goal_op="<=" \
  goal_num=$((64 + WORKERS * 16))

stop_hello
stop_server

mv "$OUT_TSV" "$RESULTS/$N.tsv"
cat > "$RESULTS/$N.meta" <<EOF
date	$(date -u +%Y-%m-%dT%H:%MZ)
commit	$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
cpu	$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) × $(nproc) cores
memory	$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
kernel	$(uname -sr)
sqlite	$(pkg-config --modversion sqlite3 2>/dev/null || echo ?)
libmicrohttpd	$(pkg-config --modversion libmicrohttpd 2>/dev/null || echo ?)
compiler	$(${CC:-cc} --version | head -1)
wrk	$(wrk -v 2>&1 | head -1 | awk '{ print $2 }')
load before	$LOAD_BEFORE
load after	$(cut -d' ' -f1-3 /proc/loadavg)
duration	$(( $(date +%s) - T_START )) s
runs	$RUNS × ${SECONDS_PER_RUN} s per rate (wrk -t2 -c64), ${LAT_SECONDS} s per latency (one connection)
EOF
"$ROOT/bench/report.sh" > "$ROOT/docs/BENCHMARKS.md"
log "done in $(( $(date +%s) - T_START )) s: docs/BENCHMARKS.md"
[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$DATA"
