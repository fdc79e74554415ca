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
#   N >= 10000000  only the figures of the growth table (card read, search, lookup, list):
#                  the 10M base has contacts and companies only
#   N <  10000000  every figure; with N >= 1000000 the growth figures are then taken again
#                  at N/10 on a second, small base
#
# Environment: BENCH_RUNS (runs per rate, default 3), BENCH_SECONDS (per wrk run, 10),
# BENCH_LAT_SECONDS (per latency run, 4), BENCH_IMPORT_SECONDS (cap on each import or
# export, 90), BENCH_DIR (work files, default bench/out),
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
LAT_SECONDS=${BENCH_LAT_SECONDS:-4}
SEED=${BENCH_SEED:-1}
ADMIN_EMAIL=admin@bench.example
ADMIN_PASSWORD=bench-admin-password
MANAGER_EMAIL=bench.manager@bench.example
WORKERS=4                  # kartoteka serve's default, also given to hello
THREADS=2                  # wrk threads, as issue 2 asks (with 64 connections)

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

missing() {   # missing ID SECTION FIGURE GOAL WHY
  record id="$1" section="$2" figure="$3" goal="$4" status="not measured" note="feature missing: $5"
}

json_get() { sed -n "s/.*\"$1\":\([-0-9.]*\).*/\1/p"; }   # json_get FIELD < a line of lat/sqlq

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
spread() {   # "±x%": half the range of the runs around their median
  sort -g | awk '{ v[NR] = $1 } END { if (NR < 2) { print ""; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
                                      if (m > 0) printf "±%.1f%%", 50 * (v[NR] - v[1]) / m }'
}
commas() { awk -v n="$1" 'BEGIN { s = sprintf("%d", n); r = ""; while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) } print s r }'; }
runs_list() { paste -sd' ' "$1" | awk '{ for (i = 1; i <= NF; i++) printf "%s%.0f", (i > 1 ? ", " : ""), $i }'; }

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
  "$BIN" serve --data "$1" --listen 127.0.0.1:$PORT --workers $WORKERS > "$WORK/server-$SCALE.log" 2>&1 &
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

token_for() {   # token_for EMAIL PASSWORD: a bearer token
  local jar=$WORK/cookies csrf tok
  csrf=$(curl -sf -c "$jar" -H 'Content-Type: application/json' -d "{\"email\":\"$1\",\"password\":\"$2\"}" \
    "$URL/api/v1/auth/login" | sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p')
  tok=$(curl -sf -b "$jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' -d '{"name":"bench"}' \
    "$URL/api/v1/auth/tokens" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
  [ -n "$tok" ] || { echo "bench: cannot log in as $1" >&2; exit 1; }
  echo "$tok"
}

status_of() { curl -s -o /dev/null --max-time 3 -w '%{http_code}' -H "$AUTH" "$URL$1" || true; }   # streams: cut after 3 s
has() { local s; s=$(status_of "$1"); [ "$s" != 404 ] && [ "$s" != 405 ]; }   # the endpoint exists

# ---------------------------------------------------------------- measuring

# wrk_once URL [wrk options...] [-- script args...]: prints "rate bad" (bad = non-2xx
# answers + socket errors)
wrk_once() {
  local url=$1; shift
  local opts=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  wrk -t$THREADS -c64 -d${SECONDS_PER_RUN}s --timeout 5s "${opts[@]}" "$url" "$@" > "$WORK/wrk.out" 2>&1 || true
  # the rate counts successful answers only: a replayed write that meets a record already
  # changed answers 412 at a fraction of the cost and would inflate the figure
  awk '/^Requests\/sec:/ { r = $2 }
       / requests in / { n = $1 }
       /Non-2xx or 3xx responses:/ { bad += $NF }
       /Socket errors:/ { gsub(/,/, ""); bad += $4 + $6 + $8 + $10 }
       END { good = (n > 0 && bad < n) ? r * (n - bad) / n : (bad ? 0 : r); printf "%.2f %d\n", good, bad }' "$WORK/wrk.out"
}

# rate ID SECTION FIGURE GOAL GOAL_NUM FILE [TOKEN]: RUNS wrk runs replaying FILE; figure in req/s
rate() {
  local id=$1 sec=$2 fig=$3 goal=$4 gnum=$5 file=$6 tok=${7:-$TOKEN} bad=0 r rt b
  local extra=()
  [ -n "$goal" ] && extra+=(goal="$goal" goal_on=value goal_op=">=" goal_num="$gnum")
  : > "$WORK/$id.rates"
  for r in $(seq 1 "$RUNS"); do
    read -r rt b < <(wrk_once "$URL" -H "Authorization: Bearer $tok" -s "$ROOT/bench/replay.lua" -- "$file" $THREADS "$r" "$RUNS")
    echo "$rt" >> "$WORK/$id.rates"; bad=$((bad + b))
  done
  record id="$id" section="$sec" figure="$fig" unit=req/s value="$(median < "$WORK/$id.rates")" \
    spread="$(spread < "$WORK/$id.rates")" \
    detail="median of $RUNS runs: $(runs_list "$WORK/$id.rates")$( [ $bad -gt 0 ] && echo "; $bad answers not 2xx, not counted in the rate")" \
    base_name=hello-world base_value="$HELLO" "${extra[@]}"
}

lat_detail() {   # "p50 a / p95 b / p99 c ms, n requests[, e errors]"
  awk -v j="$1" 'BEGIN {
    n = split(j, kv, /[,{}]/); for (i = 1; i <= n; i++) { split(kv[i], p, ":"); gsub(/"/, "", p[1]); v[p[1]] = p[2] }
    printf "p50 %s / p95 %s / p99 %s ms, %d requests", v["p50_ms"], v["p95_ms"], v["p99_ms"], v["requests"]
    if (v["errors"] > 0) printf ", %d errors", v["errors"] }'
}

# latency ID SECTION FIGURE GOAL_MS GET_FILE SQL_FILE SQL... : p99 over HTTP beside the
# same SQL on raw SQLite (SQL_FILE "": no baseline); TOKEN_OVERRIDE picks another user
latency() {
  local id=$1 sec=$2 fig=$3 goal=$4 get=$5 params=$6; shift 6
  local h raw bd="" extra=()
  [ -n "$goal" ] && extra+=(goal="p99 ≤ $goal ms" goal_on=value goal_op="<=" goal_num="$goal")
  h=$("$TOOLS/lat" -c 1 -d "$LAT_SECONDS" -H "Authorization: Bearer ${TOKEN_OVERRIDE:-$TOKEN}" -f "$get" "$URL" 2> "$WORK/$id.err") || true
  if [ -n "$params" ]; then
    raw=$("$TOOLS/sqlq" -d "$LAT_SECONDS" -f "$params" "$DATA/kartoteka.db" "$@" 2> "$WORK/$id.sql.err") || true
    bd="; raw SQLite $(lat_detail "$raw")"
    extra+=(base_name="raw SQLite" base_value="$(json_get p99_ms <<< "$raw")")
  fi
  record id="$id" section="$sec" figure="$fig" unit=ms value="$(json_get p99_ms <<< "$h")" \
    detail="$(lat_detail "$h")$bd" "${extra[@]}"
}

# ---------------------------------------------------------------- the queries the server runs
# Kept in step with the modules: src/domain/search.c (search_kind), phone_index.c
# (lookup_kind), resource_list.c (lists with q=). An admin's scope adds no condition.

NAME_SQL="trim(coalesce(t.first_name, '') || ' ' || coalesce(t.last_name, ''))"
SQL_TYPEAHEAD="SELECT * FROM (SELECT t.id, $NAME_SQL FROM contacts_fts f JOIN contacts t ON t.id = f.rowid
  WHERE contacts_fts MATCH ?1 AND t.deleted_at IS NULL ORDER BY f.rowid DESC LIMIT 10)
  UNION ALL SELECT * FROM (SELECT t.id, t.name FROM companies_fts f JOIN companies t ON t.id = f.rowid
  WHERE companies_fts MATCH ?1 AND t.deleted_at IS NULL ORDER BY f.rowid DESC LIMIT 10)"
lookup_sql() {   # lookup_sql CONDITION
  echo "SELECT * FROM (SELECT DISTINCT t.id, $NAME_SQL FROM phone_index x JOIN contacts t ON t.id = x.object_id
  WHERE +x.object = 'contact' AND $1 AND t.deleted_at IS NULL LIMIT 20)
  UNION ALL SELECT * FROM (SELECT DISTINCT t.id, t.name FROM phone_index x JOIN companies t ON t.id = x.object_id
  WHERE +x.object = 'company' AND $1 AND t.deleted_at IS NULL LIMIT 20)"
}
SQL_LOOKUP_WHOLE=$(lookup_sql "x.rev = ?1")
SQL_LOOKUP_SUFFIX=$(lookup_sql "x.rev >= ?1 AND x.rev < ?2")
SQL_LISTQ="SELECT t.* FROM contacts t WHERE t.deleted_at IS NULL
  AND t.id IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?1) ORDER BY t.id DESC LIMIT 21"
# board.c: the totals of every stage, then the first 20 cards of each (one list query per stage)
SQL_BOARD="SELECT s.id, (SELECT sum(count) FROM stage_totals WHERE stage_id = s.id), d.*
  FROM stages s JOIN deals d ON d.id IN (SELECT x.id FROM deals x WHERE x.deleted_at IS NULL AND x.pipeline_id = s.pipeline_id
  AND x.stage_id = s.id ORDER BY x.id DESC LIMIT 21) WHERE s.pipeline_id = ?1 ORDER BY s.position, d.id DESC"
SQL_DEALS="SELECT t.*, t.id FROM deals t WHERE 1 AND t.deleted_at IS NULL AND t.owner_id = ?1 AND t.stage_id = ?2
  ORDER BY t.id DESC LIMIT 51"
# timeline.c with the audit, deal, stage-change (deal_links.c) and activity (activity.c) sources
MIDS="WITH RECURSIVE mids(id) AS (SELECT ?1 UNION SELECT g.from_id FROM merges g JOIN mids ON g.into_id = mids.id
  WHERE g.object = 'contact' AND g.undone_at IS NULL) SELECT id FROM mids"
SQL_TIMELINE="WITH tl(at, kind, item_id, payload) AS (
  SELECT a.at, 'audit', a.id, json_object('action', a.action, 'user_id', a.user_id, 'user_name', u.name, 'object', a.object,
    'object_id', a.object_id, 'changes', json(a.changes), 'request_id', a.request_id)
    FROM audit a LEFT JOIN users u ON u.id = a.user_id WHERE a.object = 'contact' AND a.object_id IN ($MIDS)
  UNION ALL SELECT t.created_at, 'deal', t.id, json_object('deal_id', t.id, 'title', t.title, 'amount', t.amount,
    'currency', t.currency, 'status', t.status, 'pipeline_id', t.pipeline_id, 'stage_id', t.stage_id,
    'stage', (SELECT name FROM stages WHERE id = t.stage_id), 'owner_id', t.owner_id)
    FROM deals t WHERE t.deleted_at IS NULL AND t.id IN (SELECT deal_id FROM deal_contacts WHERE contact_id IN ($MIDS))
  UNION ALL SELECT h.at, 'stage_change', h.id, json_object('deal_id', t.id, 'title', t.title, 'from_stage_id', h.from_stage_id,
    'from_stage', (SELECT name FROM stages WHERE id = h.from_stage_id), 'to_stage_id', h.to_stage_id,
    'to_stage', (SELECT name FROM stages WHERE id = h.to_stage_id), 'user_id', h.user_id,
    'user_name', (SELECT name FROM users WHERE id = h.user_id), 'seconds', h.seconds)
    FROM stage_history h JOIN deals t ON t.id = h.deal_id WHERE h.from_stage_id IS NOT NULL AND t.deleted_at IS NULL
    AND t.id IN (SELECT deal_id FROM deal_contacts WHERE contact_id IN ($MIDS))
  UNION ALL SELECT coalesce(t.done_at, t.due_at, t.created_at), 'activity', t.id, json_object('type', t.kind,
    'status', t.status, 'subject', t.subject, 'body', substr(t.body, 1, 500), 'due_at', t.due_at, 'end_at', t.end_at,
    'done_at', t.done_at, 'result', t.result, 'assignee_id', t.assignee_id, 'direction', t.direction, 'phone', t.phone,
    'duration', t.duration, 'outcome', t.outcome, 'recording_url', t.recording_url)
    FROM activities t WHERE t.contact_id = ?1 AND t.deleted_at IS NULL)
  SELECT at, kind, item_id, payload FROM tl ORDER BY at DESC, kind, item_id DESC LIMIT 51"
# calendar.c: one manager's window, sorted by due time (a resource list)
SQL_CALENDAR="SELECT t.*, t.due_at FROM activities t WHERE 1 AND t.deleted_at IS NULL AND t.assignee_id IN (?1)
  AND t.due_at >= ?2 AND t.due_at < ?3 AND (t.due_at >= ?4 OR t.end_at > ?4) AND t.status <> 'cancelled'
  ORDER BY t.due_at ASC, t.id ASC LIMIT 51"
SQL_EXPORT="SELECT * FROM contacts WHERE deleted_at IS NULL"

# ---------------------------------------------------------------- one scale

build_base() {   # build_base N DIR EXTRA_GEN_ARGS...
  local n=$1 dir=$2; shift 2
  rm -rf "$dir"
  "$BIN" init --data "$dir" --admin-email "$ADMIN_EMAIL" --admin-password "$ADMIN_PASSWORD" > /dev/null
  local t0 t1
  t0=$(date +%s.%N)
  "$TOOLS/gen" --data "$dir" --contacts "$n" --seed "$SEED" "$@" 2> >(tee "$WORK/gen-$n.log" >&2)
  t1=$(date +%s.%N)
  GEN_SECONDS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  # a manager of the first sales team, to measure what role scopes cost
  "$BIN" user add --data "$dir" --email "$MANAGER_EMAIL" --password "$ADMIN_PASSWORD" --role manager \
    --team "Sales team 1" --name "Bench Manager" > /dev/null 2>&1 || true
}

S2="Server foundation (issue 2)"
S3="Client base: contacts and companies (issue 3)"
S4="Sales funnel: deals and pipelines (issue 4)"
S5="Activities and calendar (issue 5)"
S6="Import and export (issue 6)"
S7="Data generator (issue 7)"
SR="Reports (DESIGN.md)"

# peak_run LOG CMD...: runs CMD with its output in LOG, bounded by BENCH_IMPORT_SECONDS;
# sets WALL (seconds), PEAK_KIB (peak RSS) and PEAK_ANON_KIB (peak anonymous memory, sampled every
# 0.2 s: what the process itself holds), PEAK_TIMED_OUT=1 when it had to be stopped
peak_run() {
  local logf=$1; shift
  local t0 t1 pid hwm=0 anon=0 h
  t0=$(date +%s.%N)
  "$@" > "$logf" 2>&1 &
  pid=$!
  PEAK_TIMED_OUT=0
  while kill -0 "$pid" 2>/dev/null; do
    h=$(kib "$pid" VmHWM 2>/dev/null || true); [ -n "$h" ] && [ "$h" -gt "$hwm" ] && hwm=$h
    h=$(kib "$pid" RssAnon 2>/dev/null || true); [ -n "$h" ] && [ "$h" -gt "$anon" ] && anon=$h
    if awk -v a="$t0" -v b="$(date +%s.%N)" -v m="$IMPORT_SECONDS" 'BEGIN { exit !(b - a > m) }'; then
      PEAK_TIMED_OUT=1; kill -TERM "$pid" 2>/dev/null || true
    fi
    sleep 0.2
  done
  wait "$pid" 2>/dev/null || true
  t1=$(date +%s.%N)
  WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  PEAK_KIB=$hwm PEAK_ANON_KIB=$anon
}
peak_detail() { echo "peak anonymous memory $(mib "$PEAK_ANON_KIB") MiB (peak RSS $(mib "$PEAK_KIB") MiB)"; }
IMPORT_SECONDS=${BENCH_IMPORT_SECONDS:-90}

# import_figure ID FIGURE GOAL_RATE FILE ROWS [FLOOR_ID]: `kartoteka import contacts` into a fresh
# base; with FLOOR_ID, the floor of that import too (floor_figure)
import_figure() {
  local id=$1 fig=$2 goal=$3 file=$4 rows=$5 dir=$WORK/import-$SCALE
  rm -rf "$dir"
  "$BIN" init --data "$dir" --admin-email "$ADMIN_EMAIL" --admin-password "$ADMIN_PASSWORD" > /dev/null
  peak_run "$WORK/$id.log" "$BIN" import contacts "$file" --data "$dir" --errors "$WORK/$id.errors.csv"
  local read created skipped rejected rate note="" ms
  read=$(sed -n 's/.*"read":\([0-9]*\).*/\1/p' "$WORK/$id.log" | tail -1)
  created=$(sed -n 's/.*"created":\([0-9]*\).*/\1/p' "$WORK/$id.log" | tail -1)
  skipped=$(sed -n 's/.*"skipped":\([0-9]*\).*/\1/p' "$WORK/$id.log" | tail -1)
  rejected=$(sed -n 's/.*"rejected":\([0-9]*\).*/\1/p' "$WORK/$id.log" | tail -1)
  if [ -n "$read" ]; then
    rate=$(awk -v n="$read" -v t="$WALL" 'BEGIN { printf "%.0f", n / t }')
    [ "$PEAK_TIMED_OUT" = 1 ] && note="stopped after ${IMPORT_SECONDS} s with $read of $rows rows read (it ended cleanly and reported its counts)"
  else   # stopped: the job's own progress (rows read, run time) is in the imports table
    read=$(sqlite3 "$dir/kartoteka.db" "SELECT rows_read FROM imports ORDER BY id DESC LIMIT 1" 2>/dev/null || echo 0)
    ms=$(sqlite3 "$dir/kartoteka.db" "SELECT run_ms FROM imports ORDER BY id DESC LIMIT 1" 2>/dev/null || echo 0)
    rate=$(awk -v n="${read:-0}" -v ms="${ms:-0}" 'BEGIN { if (ms > 0) printf "%.0f", n * 1000 / ms }')
    note="stopped after ${IMPORT_SECONDS} s with ${read:-0} of $rows rows read; the rate is the job's own (rows read / its run time)"
  fi
  IMPORT_READ=${read:-0} IMPORT_ANON=$PEAK_ANON_KIB
  record id="$id" section="$S6" figure="$fig" unit=rows/s value="$rate" \
    detail="$rows rows in the file, ${WALL} s wall$( [ -n "$created" ] && echo ": read $read, created $created, skipped $skipped (duplicates), rejected $rejected"); $(peak_detail)" \
    goal="≥ $(commas "$goal") rows/s, memory flat" goal_on=value goal_op=">=" goal_num="$goal" \
    base_name="bench/gen into SQLite" base_value="$GEN_CONTACT_RATE" note="$note"
  [ -n "${6:-}" ] && floor_figure "$6" "$file" "$dir" "$goal"
  rm -rf "$dir"
}

# floor_figure ID FILE DIR GOAL: bench/import_floor on the base DIR just imported from FILE:
# the least reading and storing its rows costs (SQLite copying the imported tables itself)
floor_figure() {
  local id=$1 file=$2 dir=$3 goal=$4 empty=$WORK/import-empty f
  rm -rf "$empty"
  "$BIN" init --data "$empty" --admin-email "$ADMIN_EMAIL" --admin-password "$ADMIN_PASSWORD" > /dev/null
  f=$("$TOOLS/import_floor" --runs "$RUNS" "$file" "$dir/kartoteka.db" "$empty/kartoteka.db")
  rm -rf "$empty"
  record id="$id" section="$S6" unit=rows/s value="$(json_get ceiling_rows_per_s <<< "$f")" \
    figure="Import ceiling on this machine for the $(json_get rows <<< "$f") rows of the ${file##*.} file above: 1 / the larger of its reading floor and its writing floor" \
    detail="per row, medians of $RUNS runs: reading $(json_get read_us <<< "$f") µs, with phone normalisation $(json_get read_phone_us <<< "$f") µs (one core); writing $(json_get write_total_us <<< "$f") µs (SQLite copying the imported tables itself; without full-text rows and audit rows $(json_get write_without_search_audit_us <<< "$f") µs) — bench/import_floor: $(sed 's/.*"write_us":{\([^}]*\)}.*/\1/; s/"//g; s/:/ /g; s/,/, /g' <<< "$f")" \
    goal="the import goal (≥ $(commas "$goal") rows/s) needs this ≥ $(commas "$goal")" goal_on=value goal_op=">=" goal_num="$goal" \
    note="no importer writing through one SQLite connection can go faster than this on this machine"
}

measure() {   # measure N full|growth
  SCALE=$1
  local mode=$2
  OUT_TSV=$RESULTS/$SCALE.tsv.part
  : > "$OUT_TSV"
  DATA=$WORK/data-$SCALE
  local load_before req=$WORK/requests-$SCALE
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  log "building a base of $SCALE contacts in $DATA"
  if [ "$mode" = full ]; then build_base "$SCALE" "$DATA"; else build_base "$SCALE" "$DATA" --deals 0 --activities 0; fi
  local clients_s
  clients_s=$(awk '/^gen: (companies|contacts|indexes of contacts)/ { for (i = NF; i > 2; i--) if ($i == "s") break; t += $(i - 1) }
                   END { printf "%.1f", t }' "$WORK/gen-$SCALE.log")
  record id=gen_clients section="$S7" figure="bench/gen: the contacts and companies (one per five contacts) with their phone, e-mail and full-text indexes" \
    unit=s value="$clients_s" detail="$(grep -E '^gen: (companies|contacts|indexes of contacts)' "$WORK/gen-$SCALE.log" |
      awk '{ for (i = NF; i > 2; i--) if ($i == "s") break; n = substr($0, 6, 36); sub(/ *$/, "", n); printf "%s%s %s s", (NR > 1 ? "; " : ""), n, $(i - 1) }')" \
    goal="1M contacts in under a minute" goal_on=value goal_op="<=" goal_num="$(awk -v n="$SCALE" 'BEGIN { print 60 * n / 1000000 }')"
  record id=gen section="$S7" figure="bench/gen: the whole base$( [ "$mode" = full ] && echo " (+ $SCALE deals, $((SCALE * 10)) activities)"), from kartoteka init to the last index" \
    unit=s value="$GEN_SECONDS" detail="$(grep -E '^gen: (deals|activities|indexes of|commit)' "$WORK/gen-$SCALE.log" |
      awk '{ for (i = NF; i > 2; i--) if ($i == "s") break; n = substr($0, 6, 36); sub(/ *$/, "", n); printf "%s%s %s s", (NR > 1 ? "; " : ""), n, $(i - 1) }')"
  GEN_CONTACT_RATE=$(awk '/^gen: contacts/ { print $(NF - 1) }' "$WORK/gen-$SCALE.log")
  mkdir -p "$req"
  # enough distinct writes for RUNS runs at several thousand a second: a stage move replays
  # each deal once, and a run that reached the next run's share would meet moved deals
  "$TOOLS/gen" --data "$DATA" --requests "$req" --rows 200000 --seed "$SEED"
  "$TOOLS/gen" --data "$DATA" --tokens "$WORK/tokens-$SCALE.txt" --rows 40

  start_server "$DATA"
  sleep 1
  local rss_rest rest_anon rest_file
  rss_rest=$(kib "$SERVER_PID" VmRSS) rest_anon=$(kib "$SERVER_PID" RssAnon) rest_file=$(kib "$SERVER_PID" RssFile)
  TOKEN=$(token_for "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
  AUTH="Authorization: Bearer $TOKEN"
  start_hello

  # -- foundation: the HTTP baseline, interleaved with the two figures of issue 2
  log "hello-world vs /health vs /users/{id}: $RUNS × ${SECONDS_PER_RUN} s each, interleaved"
  : > "$WORK/hello.rates"; : > "$WORK/health.rates"; : > "$WORK/users.rates"
  local bad=0 r rt b
  for r in $(seq 1 "$RUNS"); do
    read -r rt b < <(wrk_once "http://127.0.0.1:$HELLO_PORT/api/v1/health"); echo "$rt" >> "$WORK/hello.rates"
    [ "$mode" = full ] || continue
    read -r rt b < <(wrk_once "$URL/api/v1/health"); echo "$rt" >> "$WORK/health.rates"; bad=$((bad + b))
    read -r rt b < <(wrk_once "$URL/api/v1/users/1" -H "$AUTH"); echo "$rt" >> "$WORK/users.rates"; bad=$((bad + b))
  done
  HELLO=$(median < "$WORK/hello.rates")
  record id=hello section="$S2" figure="bench/hello: minimal libmicrohttpd server, same flags and $WORKERS workers" unit=req/s \
    value="$HELLO" spread="$(spread < "$WORK/hello.rates")" detail="median of $RUNS runs: $(runs_list "$WORK/hello.rates")" \
    note="the HTTP baseline of every rate below"
  if [ "$mode" = full ]; then
    record id=health section="$S2" figure="GET /api/v1/health" unit=req/s value="$(median < "$WORK/health.rates")" \
      spread="$(spread < "$WORK/health.rates")" detail="median of $RUNS runs: $(runs_list "$WORK/health.rates")" \
      base_name=hello-world base_value="$HELLO"
    record id=users_read section="$S2" figure="GET /api/v1/users/{id} with a bearer token" unit=req/s \
      value="$(median < "$WORK/users.rates")" spread="$(spread < "$WORK/users.rates")" \
      detail="median of $RUNS runs: $(runs_list "$WORK/users.rates")$( [ $bad -gt 0 ] && echo "; $bad answers not 2xx")" \
      goal="≥ 50% of hello-world" goal_on=ratio goal_op=">=" goal_num=0.5 base_name=hello-world base_value="$HELLO"
  fi

  local mtok
  mtok=$(token_for "$MANAGER_EMAIL" "$ADMIN_PASSWORD" 2>/dev/null || true)

  # -- client base (issue 3)
  if has /api/v1/contacts/1; then
    rate card_read "$S3" "read a contact card: GET /api/v1/contacts/{id}, random ids" "≥ 20,000 req/s" 20000 "$req/card.get"
    latency typeahead "$S3" "typeahead: GET /api/v1/search?q=<2–5 letters> (contacts + companies)" 10 \
      "$req/typeahead.get" "$req/typeahead.sql" "$SQL_TYPEAHEAD"
    latency lookup "$S3" "caller ID: GET /api/v1/lookup/phone?number=<any writing>, 1 in 10 a local number (suffix)" 2 \
      "$req/lookup.get" "$req/lookup.sql" "$SQL_LOOKUP_WHOLE" "$SQL_LOOKUP_SUFFIX"
    latency lookup_whole "$S3" "caller ID, whole numbers only (no local-number suffixes)" "" \
      "$req/lookup-whole.get" "$req/lookup-whole.sql" "$SQL_LOOKUP_WHOLE" "$SQL_LOOKUP_SUFFIX"
    latency listq "$S3" "contact list filtered by text: GET /api/v1/contacts?q=<4 letters>&limit=20" "" \
      "$req/listq.get" "$req/listq.sql" "$SQL_LISTQ"
    if [ -n "$mtok" ]; then
      TOKEN_OVERRIDE=$mtok latency typeahead_manager "$S3" "typeahead as a manager (role scope: own team's cards)" 10 \
        "$req/typeahead.get" "" ""
    fi
    if [ "$mode" = full ]; then
      rate create "$S3" "create a contact with duplicate checks: POST /api/v1/contacts" "≥ 2,000 req/s" 2000 "$req/create.post"
    fi
  else
    missing card_read "$S3" "read a contact card" "≥ 20,000 req/s" "GET /api/v1/contacts/{id} answers 404"
    missing typeahead "$S3" "typeahead search" "p99 ≤ 10 ms" "no /api/v1/contacts"
    missing lookup "$S3" "caller-ID phone lookup" "p99 ≤ 2 ms" "no /api/v1/contacts"
    missing create "$S3" "create a contact with duplicate checks" "≥ 2,000 req/s" "no /api/v1/contacts"
  fi

  # -- sales funnel (issue 4)
  if [ "$mode" = full ]; then
    if has /api/v1/pipelines/1/board && [ -s "$req/board.get" ]; then
      latency board "$S4" "kanban board, first page of every stage: GET /api/v1/pipelines/{id}/board" 20 \
        "$req/board.get" "$req/board.sql" "$SQL_BOARD"
      [ -n "$mtok" ] && TOKEN_OVERRIDE=$mtok latency board_manager "$S4" "kanban board as a manager (role scope: own team's deals)" 20 \
        "$req/board.get" "" ""
      latency deals_list "$S4" "deal list filtered by owner and stage: GET /api/v1/deals?owner_id=&stage_id=" 10 \
        "$req/deals.get" "$req/deals.sql" "$SQL_DEALS"
      rate stage_move "$S4" "stage move: PATCH /api/v1/deals/{id} {stage_id} with If-Match, each deal once" "≥ 2,000 moves/s" 2000 "$req/move.patch"
    else
      missing board "$S4" "kanban board first page" "p99 ≤ 20 ms" "no /api/v1/pipelines/{id}/board or no deals"
      missing stage_move "$S4" "stage move" "≥ 2,000 per second" "no deals"
      missing deals_list "$S4" "deal list filtered by owner+stage" "p99 ≤ 10 ms" "no deals"
    fi
    if has /api/v1/reports/funnel; then
      missing report "$SR" "funnel report over 1M deals" "≤ 200 ms" "an endpoint exists but bench/run.sh does not know its parameters yet"
    else
      missing report "$SR" "funnel report over 1M deals" "≤ 200 ms" "no /api/v1/reports endpoint in this build"
    fi
  fi

  # -- activities (issue 5)
  if [ "$mode" = full ]; then
    if has /api/v1/contacts/1/timeline && [ -s "$req/timeline.get" ]; then
      latency timeline "$S5" "client card timeline, first page: GET /api/v1/contacts/{id}/timeline" 10 \
        "$req/timeline.get" "$req/timeline.sql" "$SQL_TIMELINE"
    else
      missing timeline "$S5" "client card timeline first page" "p99 ≤ 10 ms" "no timeline or no activities"
    fi
    if [ -s "$req/calendar.get" ] && has "/api/v1/calendar?from=2026-01-05&to=2026-01-11"; then
      latency calendar "$S5" "a manager's calendar week: GET /api/v1/calendar?from=&to=&user=" 10 \
        "$req/calendar.get" "$req/calendar.sql" "$SQL_CALENDAR"
    else
      missing calendar "$S5" "a manager's calendar week" "p99 ≤ 10 ms" "no /api/v1/calendar or no activities"
    fi
    if has /api/v1/events && [ -s "$WORK/tokens-$SCALE.txt" ]; then
      local before during after sse1 sse2
      before=$(kib "$SERVER_PID" VmRSS)
      "$TOOLS/sse" -n 1000 -d 6 -T "$WORK/tokens-$SCALE.txt" "$PORT" /api/v1/events > "$WORK/sse.out" 2> "$WORK/sse.err" &
      local sse_pid=$!
      for _ in $(seq 1 150); do [ -s "$WORK/sse.out" ] && break; sleep 0.2; done
      sleep 1
      during=$(kib "$SERVER_PID" VmRSS)
      wait "$sse_pid" || true
      sleep 1
      after=$(kib "$SERVER_PID" VmRSS)
      sse1=$(head -1 "$WORK/sse.out"); sse2=$(sed -n 2p "$WORK/sse.out")
      record id=sse section="$S5" figure="1,000 SSE clients on GET /api/v1/events (40 users): server memory they add" unit=MiB \
        value="$(mib $((during - before)))" detail="$(json_get connected <<< "$sse1") connected in $(json_get connect_ms <<< "$sse1") ms, $(json_get still_open <<< "$sse2") still open after 6 s; VmRSS $(mib "$before") MiB before, $(mib "$during") MiB with them ($(awk -v d=$((during - before)) 'BEGIN { printf "%.1f", d / 1000 }') KiB per stream), $(mib "$after") MiB after they left" \
        goal="memory reported" note="$(head -c 200 "$WORK/sse.err" | tr '\n\t' '  ')"
    else
      missing sse "$S5" "1,000 SSE clients" "memory reported" "no /api/v1/events"
    fi
  fi

  # -- import and export (issue 6)
  if [ "$mode" = full ]; then
    if "$BIN" import --help > /dev/null 2>&1; then
      local csv=$WORK/import-$SCALE.csv xlsx=$WORK/import-$SCALE.xlsx xrows=$((SCALE / 10))
      "$TOOLS/gen" --csv "$csv" --rows "$SCALE" --seed "$SEED"
      import_figure import_csv "CSV import: kartoteka import contacts, $SCALE rows, phone normalisation and duplicate checks" 100000 "$csv" "$SCALE"
      local big_read=$IMPORT_READ big_anon=$IMPORT_ANON small=$WORK/import-small.csv
      head -n $((xrows + 1)) "$csv" > "$small"
      import_figure import_csv_small "CSV import of the first $xrows rows of the same file (for the memory comparison)" 100000 "$small" "$xrows" import_floor_csv
      record id=import_memory section="$S6" figure="CSV import memory: peak anonymous memory after $big_read rows read, beside $IMPORT_READ rows" \
        unit=MiB value="$(mib "$big_anon")" base_name="$IMPORT_READ rows:" base_value="$(mib "$IMPORT_ANON")" \
        goal="streaming: does not grow with the file (≤ 1.5× the smaller import)" goal_on=ratio goal_op="<=" goal_num=1.5
      rm -f "$small"
      [ "$xrows" -gt 1048575 ] && xrows=1048575
      "$TOOLS/gen" --xlsx "$xlsx" --rows "$xrows" --seed "$SEED"
      import_figure import_xlsx "XLSX import: kartoteka import contacts, $xrows rows" 50000 "$xlsx" "$xrows" import_floor_xlsx
      rm -f "$csv" "$xlsx"
    else
      missing import_csv "$S6" "CSV import of 1M contacts" "≥ 100,000 rows/s" "no kartoteka import"
      missing import_xlsx "$S6" "XLSX import of 100k rows" "≥ 50,000 rows/s" "no kartoteka import"
    fi
    if "$BIN" export --help > /dev/null 2>&1; then
      peak_run "$WORK/export.log" "$BIN" export contacts --data "$DATA" --format csv --out "$WORK/export-$SCALE.csv"
      local rows raw
      rows=$(sed -n 's/.*"rows":\([0-9]*\).*/\1/p' "$WORK/export.log" | tail -1)
      raw=$("$TOOLS/sqlq" -d 0.1 -w 0 -f <(echo x) "$DATA/kartoteka.db" "$SQL_EXPORT" 2> /dev/null) || true
      record id=export_csv section="$S6" figure="CSV export: kartoteka export contacts --format csv, every contact" unit=rows/s \
        value="$(awk -v n="$rows" -v t="$WALL" 'BEGIN { if (t > 0) printf "%.0f", n / t }')" \
        detail="$rows rows in ${WALL} s, $(du -m "$WORK/export-$SCALE.csv" 2>/dev/null | cut -f1) MB; $(peak_detail)$( [ "$PEAK_TIMED_OUT" = 1 ] && echo "; stopped after ${IMPORT_SECONDS} s")" \
        goal="≥ 200,000 rows/s, memory flat" goal_on=value goal_op=">=" goal_num=200000 \
        base_name="raw SQLite SELECT of every contact" \
        base_value="$(awk -v r="$(json_get rows_per_query <<< "$raw")" -v ms="$(json_get p50_ms <<< "$raw")" 'BEGIN { if (ms > 0) printf "%.0f", r * 1000 / ms }')"
      rm -f "$WORK/export-$SCALE.csv"
    else
      missing export_csv "$S6" "CSV export of 1M contacts" "≥ 200,000 rows/s" "no kartoteka export"
    fi
  fi

  # -- how much the machine drifted: the baseline once more, at the end
  local rt_end b_end
  read -r rt_end b_end < <(wrk_once "http://127.0.0.1:$HELLO_PORT/api/v1/health")
  record id=hello_end section="$S2" figure="bench/hello again at the end of this scale's run (drift of the machine)" unit=req/s \
    value="$rt_end" detail="one run" base_name=hello-world base_value="$HELLO" \
    note="a ratio far from 1.00 means other work on the machine changed during the run"

  # -- memory (issue 2), after all the load above
  record id=rss_rest section="$S2" figure="server RSS at rest (started on the $SCALE-contact base, before any request)" unit=MiB \
    value="$(mib "$rss_rest")" goal="≤ 16 MiB" goal_on=value goal_op="<=" goal_num=16 \
    detail="anonymous (heap, stacks) $(mib "$rest_anon") MiB; file-backed (code of the binary and its shared libraries) $(mib "$rest_file") MiB"
  sleep 2
  local rss hwm anon file
  rss=$(kib "$SERVER_PID" VmRSS) hwm=$(kib "$SERVER_PID" VmHWM) anon=$(kib "$SERVER_PID" RssAnon) file=$(kib "$SERVER_PID" RssFile)
  record id=rss_load section="$S2" figure="server memory after the load above: anonymous (heap, SQLite page caches)" unit=MiB \
    value="$(mib "$anon")" detail="VmRSS $(mib "$rss") MiB, of which file-backed (code) $(mib "$file") MiB; peak VmHWM $(mib "$hwm") MiB (peak of the resident set, heap and code)" \
    goal="≤ 64 MiB beyond SQLite's page cache (DESIGN.md): ≤ 64 + $WORKERS × 16 MiB of caches" goal_on=value goal_op="<=" \
    goal_num=$((64 + WORKERS * 16))

  stop_hello
  stop_server
  mv "$OUT_TSV" "$RESULTS/$SCALE.tsv"
  cat > "$RESULTS/$SCALE.meta" <<EOF
date	$(date -u +%Y-%m-%dT%H:%MZ)
commit	$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
cpu	$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) × $(nproc) cores
memory	$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
kernel	$(uname -sr)
sqlite	$(pkg-config --modversion sqlite3 2>/dev/null || echo ?)
libmicrohttpd	$(pkg-config --modversion libmicrohttpd 2>/dev/null || echo ?)
compiler	$(${CC:-cc} --version | head -1)
load before	$load_before
load after	$(cut -d' ' -f1-3 /proc/loadavg)
runs	$RUNS × ${SECONDS_PER_RUN} s per rate (wrk -t$THREADS -c64), ${LAT_SECONDS} s per latency (one connection)
EOF
  [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$DATA"
}

if [ "$N" -ge 10000000 ]; then
  measure "$N" growth
else
  measure "$N" full
  [ "$N" -lt "${BENCH_GROWTH_FROM:-1000000}" ] || measure $((N / 10)) growth
fi
echo "duration	$(( $(date +%s) - T_START )) s" >> "$RESULTS/$N.meta"
"$ROOT/bench/report.sh" > "$ROOT/docs/BENCHMARKS.md"
log "done in $(( $(date +%s) - T_START )) s: docs/BENCHMARKS.md"
