#!/usr/bin/env bash
# bench/activities.sh [N] — the figures of the activities issue, on N activities
# (default 10,000,000): a client card's timeline, first page, p99; a manager's calendar
# week p99; 1,000 event-stream (SSE) clients connected, with the server's memory.
#
# The base: N/10 contacts owned round-robin by 500 managers, ten activities per contact
# (tasks, calls, meetings, emails, notes; 70 % done) due over three years and assigned to
# the contact's owner, so a manager has about N/500 activities (some 130 a week at 10M).
# It is written straight into SQLite with the server's own schema (kartoteka init), the
# activity indexes dropped while loading and built again afterwards, as `gen` does for
# contacts. Each HTTP figure (bench/lat, one connection, one request in flight) is shown
# beside the same query on raw SQLite (bench/sqlq) measured in the same run.
#
# Environment: BENCH_DIR (work files, default bench/out/activities), BENCH_LAT_SECONDS
# (per latency run, 10), BENCH_KEEP=1 keeps the data directory, SSE_CLIENTS (1000).
# Needs: build/kartoteka, build/bench/lat and build/bench/sqlq (make all bench-tools),
# sqlite3, curl, node. Writes bench/results/activities-N.tsv and prints it.
set -euo pipefail

N=${1:-10000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
BIN=$ROOT/$BUILD/kartoteka
TOOLS=$ROOT/$BUILD/bench
WORK=${BENCH_DIR:-$ROOT/bench/out/activities}
LAT_SECONDS=${BENCH_LAT_SECONDS:-10}
CLIENTS=${SSE_CLIENTS:-1000}
MANAGERS=500
CONTACTS=$(( N / 10 ))
DATA=$WORK/data
PORT=${BENCH_PORT:-18790}
URL=http://127.0.0.1:$PORT
OUT=$ROOT/bench/results/activities-$N.tsv

for t in "$BIN" "$TOOLS/lat" "$TOOLS/sqlq"; do
  [ -x "$t" ] || { echo "bench: $t is missing (make all bench-tools)" >&2; exit 1; }
done
for t in sqlite3 curl node; do command -v $t >/dev/null || { echo "bench: $t is not installed" >&2; exit 1; }; done
log() { printf '[activities %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
mkdir -p "$WORK" "$(dirname "$OUT")"
rm -rf "$DATA"
SERVER=

stop_server() {
  if [ -n "$SERVER" ]; then kill -TERM "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=; fi
}
cleanup() { stop_server; [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$DATA"; }
trap cleanup EXIT

# ---------------------------------------------------------------- the base

log "init, one manager who logs in"
"$BIN" init --data "$DATA" --admin-email admin@bench.example --admin-password bench-admin-password > /dev/null
"$BIN" user add --data "$DATA" --email m0@bench.example --password bench-manager-1 --role manager --name "Manager 0" > /dev/null
DB=$DATA/kartoteka.db
M0=$(sqlite3 "$DB" "SELECT id FROM users WHERE email = 'm0@bench.example'")

T0=$(date +%s)
log "loading $CONTACTS contacts and $N activities"
INDEXES=$(sqlite3 "$DB" "SELECT sql || ';' FROM sqlite_master WHERE type = 'index' AND tbl_name = 'activities' AND sql IS NOT NULL")
DROPS=$(sqlite3 "$DB" "SELECT 'DROP INDEX ' || name || ';' FROM sqlite_master WHERE type = 'index' AND tbl_name = 'activities' AND sql IS NOT NULL")
sqlite3 "$DB" > /dev/null <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -1000000;
$DROPS
BEGIN;
-- managers 1..499 (manager 0 is the one who logs in); ids follow M0 without gaps
INSERT INTO users(id, email, name, role_id)
  WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < $MANAGERS - 1)
  SELECT $M0 + x, 'm' || x || '@bench.example', 'Manager ' || x, (SELECT id FROM roles WHERE name = 'manager') FROM k;
INSERT INTO contacts(id, owner_id, first_name, last_name, created_at, updated_at)
  WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < $CONTACTS)
  SELECT x, $M0 + x % $MANAGERS, 'Jan' || x, 'Kowalski', '2023-12-01T00:00:00Z', '2023-12-01T00:00:00Z' FROM k;
-- activity x: contact (x * 7919) mod C spreads each contact's ten over the three years
-- one planned activity in three has a reminder 15 minutes ahead; those past have fired
INSERT INTO activities(id, created_by, created_at, updated_at, kind, status, subject, due_at, done_at, result,
                       assignee_id, contact_id, direction, duration, outcome, remind_at, reminded_at)
  WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < $N),
  a(x, c, due, kind, done) AS (
    SELECT x, (x * 7919) % $CONTACTS + 1,
           strftime('%Y-%m-%dT%H:%M:%SZ', 1735689600 + x * (94608000 / $N), 'unixepoch'),
           CASE x % 5 WHEN 0 THEN 'task' WHEN 1 THEN 'call' WHEN 2 THEN 'meeting' WHEN 3 THEN 'email' ELSE 'note' END,
           x % 10 < 7 FROM k)
  SELECT x, $M0 + c % $MANAGERS, due, due, kind, CASE WHEN done THEN 'done' ELSE 'planned' END,
         'About the offer ' || x, due, CASE WHEN done THEN due END, CASE WHEN done THEN 'Talked it through' END,
         $M0 + c % $MANAGERS, c, CASE WHEN kind IN ('call', 'email') THEN 'outbound' END,
         CASE WHEN kind = 'call' THEN 300 END, CASE WHEN kind = 'call' AND done THEN 'answered' END,
         CASE WHEN x % 10 = 9 THEN strftime('%Y-%m-%dT%H:%M:%SZ', due, '-15 minutes') END,
         CASE WHEN x % 10 = 9 AND due < strftime('%Y-%m-%dT%H:%M:%SZ', 'now') THEN due END
  FROM a;
COMMIT;
SQL
log "building the activity indexes"
sqlite3 "$DB" "PRAGMA cache_size = -1000000; $INDEXES ANALYZE;"
GEN_SECONDS=$(( $(date +%s) - T0 ))
log "base ready in ${GEN_SECONDS}s: $(du -h "$DB" | cut -f1)"

# ---------------------------------------------------------------- serve

"$BIN" serve --data "$DATA" --listen 127.0.0.1:$PORT 2> "$WORK/server.log" &
SERVER=$!
for _ in $(seq 100); do curl -sf $URL/api/v1/health > /dev/null && break; sleep 0.1; done
JAR=$WORK/cookies
CSRF=$(curl -s -c "$JAR" -H 'Content-Type: application/json' -d '{"email":"m0@bench.example","password":"bench-manager-1"}' \
  $URL/api/v1/auth/login | sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p')
TOKEN=$(curl -s -b "$JAR" -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" -d '{"name":"bench"}' \
  $URL/api/v1/auth/tokens | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$TOKEN" ] || { echo "bench: cannot log in as the manager" >&2; exit 1; }

printf 'figure\tunit\tvalue\tp50\tp95\tp99\tbaseline_p99\tnote\n' > "$OUT"
json() { sed -n "s/.*\"$1\":\([-0-9.]*\).*/\1/p"; }

# lat and sqlq on the same requests: FIGURE, request file, params file, SQL...
measure() {
  local figure=$1 reqs=$2 params=$3; shift 3
  local h raw
  h=$("$TOOLS/lat" -c 1 -d "$LAT_SECONDS" -w 2 -H "Authorization: Bearer $TOKEN" -f "$reqs" "$URL")
  raw=$("$TOOLS/sqlq" -d "$LAT_SECONDS" -w 2 -f "$params" "$DB" "$@")
  printf '%s\tms\t%s\t%s\t%s\t%s\t%s\t%s\n' "$figure" "$(json p99_ms <<< "$h")" "$(json p50_ms <<< "$h")" "$(json p95_ms <<< "$h")" \
    "$(json p99_ms <<< "$h")" "$(json p99_ms <<< "$raw")" "HTTP $(json rps <<< "$h") req/s, raw SQLite p50 $(json p50_ms <<< "$raw") ms; errors $(json errors <<< "$h")" >> "$OUT"
  log "$figure: $h | raw SQLite: $raw"
}

# the manager's own cards (owner = M0: contact ids that are multiples of 500)
awk -v c=$CONTACTS -v m=$MANAGERS 'BEGIN { srand(1); for (i = 0; i < 2000; i++) { id = m * (1 + int(rand() * (c / m - 1))); printf "GET\t/api/v1/contacts/%d/timeline?limit=20\n", id > "/dev/stderr"; print id } }' \
  2> "$WORK/timeline.req" > "$WORK/timeline.params"
measure "client card timeline, first page (20 items), as the card's manager" "$WORK/timeline.req" "$WORK/timeline.params" \
  "SELECT coalesce(t.done_at, t.due_at, t.created_at) AS at, 'activity', t.id, json_object('type', t.kind, 'status', t.status,
     'subject', t.subject, 'due_at', t.due_at, 'done_at', t.done_at, 'result', t.result, 'assignee_id', t.assignee_id)
   FROM activities t WHERE t.contact_id = CAST(?1 AS INTEGER) AND t.deleted_at IS NULL
   ORDER BY at DESC, t.id DESC LIMIT 21"

# random weeks of the three years, Monday 00:00 UTC to the next Monday
awk 'BEGIN { srand(2); for (i = 0; i < 2000; i++) { d = 1735689600 + 86400 * (7 * int(rand() * 150));
  f = strftime("%Y-%m-%dT%H:%M:%SZ", d, 1); t = strftime("%Y-%m-%dT%H:%M:%SZ", d + 7 * 86400, 1);
  printf "GET\t/api/v1/calendar?from=%s&to=%s&limit=500\n", f, t > "/dev/stderr"; printf "%s\t%s\n", f, t } }' \
  2> "$WORK/week.req" > "$WORK/week.params"
sed -i "s/\$/\t$M0/" "$WORK/week.params"
measure "a manager's calendar week (all of it, about $(( N / MANAGERS / 156 )) activities)" "$WORK/week.req" "$WORK/week.params" \
  "SELECT * FROM activities t WHERE t.deleted_at IS NULL AND t.assignee_id = CAST(?3 AS INTEGER)
   AND t.due_at >= ?1 AND t.due_at < ?2 AND t.status <> 'cancelled' ORDER BY t.due_at, t.id LIMIT 501"

# the reminder scheduler's query, every second: only unfired reminders are in its index
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
REMIND_SQL="SELECT id, assignee_id, kind, subject, due_at FROM activities WHERE reminded_at IS NULL AND status = 'planned'
  AND deleted_at IS NULL AND remind_at <= ?1 ORDER BY remind_at LIMIT 200"
printf '%s\n' "$NOW" > "$WORK/remind.params"
log "reminder query plan: $(sqlite3 "$DB" "EXPLAIN QUERY PLAN ${REMIND_SQL//\?1/\'$NOW\'}" | tr '\n' ' ')"
raw=$("$TOOLS/sqlq" -d 3 -w 1 -f "$WORK/remind.params" "$DB" "$REMIND_SQL")
printf '%s\tms\t%s\t%s\t%s\t%s\t\t%s\n' "the reminder scheduler's query (raw SQLite, every second)" "$(json p99_ms <<< "$raw")" \
  "$(json p50_ms <<< "$raw")" "$(json p95_ms <<< "$raw")" "$(json p99_ms <<< "$raw")" \
  "$(sqlite3 "$DB" "SELECT count(*) FROM activities WHERE reminded_at IS NULL AND status = 'planned' AND deleted_at IS NULL AND remind_at IS NOT NULL") reminders waiting" >> "$OUT"

# ---------------------------------------------------------------- 1,000 event streams

ADMIN_JAR=$WORK/admin-cookies
ACSRF=$(curl -s -c "$ADMIN_JAR" -H 'Content-Type: application/json' -d '{"email":"admin@bench.example","password":"bench-admin-password"}' \
  $URL/api/v1/auth/login | sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p')
ATOKEN=$(curl -s -b "$ADMIN_JAR" -H 'Content-Type: application/json' -H "X-CSRF-Token: $ACSRF" -d '{"name":"bench"}' \
  $URL/api/v1/auth/tokens | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
ulimit -n 8192 2>/dev/null || true
log "opening $CLIENTS event streams"
node "$ROOT/bench/sse_clients.mjs" "$URL" "$ATOKEN" "$CLIENTS" "$SERVER" > "$WORK/sse.json" 2> "$WORK/sse.log"
SSE=$(cat "$WORK/sse.json")
log "streams: $SSE"
printf '%s\tKiB\t%s\t\t\t\t\t%s\n' "server memory (anonymous RSS) with $CLIENTS event streams open" "$(json anon_open <<< "$SSE")" \
  "before: $(json anon_before <<< "$SSE") KiB; per stream: $(json per_stream_kib <<< "$SSE") KiB; VmRSS with the mapped database: $(json vmrss_open <<< "$SSE") KiB; threads: $(json threads_before <<< "$SSE") before, $(json threads <<< "$SSE") with the streams; one notification to every stream: p99 $(json deliver_p99_ms <<< "$SSE") ms, max $(json deliver_max_ms <<< "$SSE") ms; delivered $(json delivered <<< "$SSE")/$CLIENTS" >> "$OUT"
T1=$(date +%s%N)
stop_server
printf '%s\tms\t%s\t\t\t\t\t%s\n' "server stop (SIGTERM) right after the streams closed" "$(( ($(date +%s%N) - T1) / 1000000 ))" "" >> "$OUT"
printf '%s\ts\t%s\t\t\t\t\t%s\n' "base: $N activities, $CONTACTS contacts, straight into SQLite" "$GEN_SECONDS" "$(du -h "$DB" | cut -f1) on disk" >> "$OUT"
column -t -s $'\t' "$OUT"
