// bench/sse_clients.mjs URL ADMIN_TOKEN CLIENTS SERVER_PID — the event-stream figure of
// bench/activities.sh: opens CLIENTS streams of GET /api/v1/events (25 per user, under
// the per-user limit), reads the server's memory and thread count with all of them open,
// then has the admin assign one task to each user and times how long each stream takes
// to receive its notification. Prints one JSON line; progress goes to stderr.
import { readFileSync } from 'node:fs';

const [url, adminToken, clientsArg, pid] = process.argv.slice(2);
const CLIENTS = Number(clientsArg);
const PER_USER = 25;
const status = () => Object.fromEntries(readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')
  .map((l) => l.split(':')).filter((p) => p.length === 2).map(([k, v]) => [k, v.trim()]));
const kib = (s) => Number(s.split(/\s+/)[0]);

async function api(token, method, path, body) {
  const r = await fetch(url + path, {
    method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}

async function login(email, password) {
  const r = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }),
  });
  const j = await r.json();
  const cookie = r.headers.get('set-cookie').split(';')[0];
  const t = await fetch(`${url}/api/v1/auth/tokens`, {
    method: 'POST', headers: { cookie, 'x-csrf-token': j.csrf_token, 'content-type': 'application/json' }, body: '{"name":"sse"}',
  });
  return { id: j.user.id, token: (await t.json()).token };
}

const users = [];
for (let i = 0; i < Math.ceil(CLIENTS / PER_USER); i++) {
  const email = `sse${i}-${Date.now()}@bench.example`;
  await api(adminToken, 'POST', '/api/v1/users', { email, name: `Stream user ${i}`, password: 'sse-user-pass', role: 'manager' });
  users.push(await login(email, 'sse-user-pass'));
}
process.stderr.write(`users: ${users.length}\n`);

// anonymous memory: the database file is mapped (mmap), and its pages come and go in
// VmRSS with the page cache; RssAnon is what the server itself holds
const anon = (st) => kib(st.RssAnon);
const before0 = status();
const rssBefore = anon(before0);
const streams = [];
async function open(user) {
  const ctrl = new AbortController();
  const res = await fetch(`${url}/api/v1/events`, { headers: { authorization: `Bearer ${user.token}` }, signal: ctrl.signal });
  if (res.status !== 200) throw new Error(`stream: ${res.status} ${await res.text()}`);
  const s = { user, ctrl, got: null };
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buf += dec.decode(value, { stream: true });
        if (!s.got && buf.includes('event: notification')) s.got = performance.now();
      }
    } catch { /* aborted */ }
  })();
  streams.push(s);
}
for (let i = 0; i < CLIENTS; i += 50)
  await Promise.all(Array.from({ length: Math.min(50, CLIENTS - i) }, (_, k) => open(users[Math.floor((i + k) / PER_USER)])));
await new Promise((r) => setTimeout(r, 2000));   // let the server settle
const st = status();
process.stderr.write(`open: ${streams.length}, anon ${st.RssAnon}, rss ${st.VmRSS}, threads ${st.Threads}\n`);

const sent = new Map();
for (const u of users) {
  sent.set(u.id, performance.now());
  await api(adminToken, 'POST', '/api/v1/activities', { kind: 'task', subject: 'Stream check', assignee_id: u.id });
}
const deadline = performance.now() + 10000;
while (streams.some((s) => !s.got) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
const lags = streams.filter((s) => s.got).map((s) => s.got - sent.get(s.user.id)).sort((a, b) => a - b);
const p = (q) => (lags.length ? lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] : null);
const anonOpen = anon(st);
streams.forEach((s) => s.ctrl.abort());
console.log(JSON.stringify({
  streams: streams.length, anon_before: rssBefore, anon_open: anonOpen, vmrss_open: kib(st.VmRSS),
  threads_before: Number(before0.Threads), threads: Number(st.Threads),
  per_stream_kib: Math.round(((anonOpen - rssBefore) / streams.length) * 10) / 10, delivered: lags.length,
  deliver_p50_ms: Math.round(p(0.5)), deliver_p99_ms: Math.round(p(0.99)), deliver_max_ms: Math.round(lags[lags.length - 1] ?? -1),
}));
