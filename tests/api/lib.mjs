// Shared harness for HTTP-level tests: a real kartoteka binary on a free 127.0.0.1 port
// with a fresh data directory, and a small client that speaks the API's conventions.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import net from 'node:net';

export const BIN = resolve(process.env.KARTOTEKA_BIN || 'build/kartoteka');
export const ADMIN = { email: 'admin@test.example', password: 'admin-pass-1' };

export function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
    s.on('error', rej);
  });
}

export function cli(args, { dataDir, env = {}, input } = {}) {
  return execFileSync(BIN, args, {
    env: { ...process.env, KARTOTEKA_DATA: dataDir, ...env }, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'],
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Starts a server. Call `await srv.stop()` in an after() hook; it asserts a clean exit.
export async function startServer({ env = {}, args = [], dataDir } = {}) {
  const dir = dataDir || mkdtempSync(join(tmpdir(), 'kt-test-'));
  if (!dataDir) cli(['init', '--data', dir, '--admin-email', ADMIN.email, '--admin-password', ADMIN.password], { dataDir: dir });
  const port = await freePort();
  const srv = { dataDir: dir, port, url: `http://127.0.0.1:${port}`, stderr: '' };
  srv.launch = async () => {
    srv.proc = spawn(BIN, ['serve', '--data', dir, '--listen', `127.0.0.1:${port}`, '--workers', '4', ...args], {
      env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    srv.proc.stderr.on('data', (d) => { srv.stderr += d.toString(); });
    srv.exited = new Promise((r) => srv.proc.on('exit', (code, signal) => r({ code, signal })));
    for (let i = 0; i < 200; i++) {
      try { const r = await fetch(`${srv.url}/api/v1/health`); if (r.ok) return; } catch { /* not up yet */ }
      await sleep(25);
    }
    throw new Error(`server did not start:\n${srv.stderr}`);
  };
  // SIGTERM, wait for exit; returns the exit status (0 expected) and rejects on sanitizer reports
  srv.halt = async () => {
    srv.proc.kill('SIGTERM');
    const st = await srv.exited;
    if (/ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/.test(srv.stderr))
      throw new Error(`sanitizer report:\n${srv.stderr.slice(-4000)}`);
    return st;
  };
  srv.restart = async () => { await srv.halt(); await srv.launch(); };
  srv.stop = async () => {
    const st = await srv.halt();
    if (st.code !== 0) throw new Error(`server exited with ${JSON.stringify(st)}:\n${srv.stderr.slice(-4000)}`);
    if (!dataDir && !process.env.KT_KEEP) rmSync(dir, { recursive: true, force: true });
  };
  await srv.launch();
  return srv;
}

// A client with either a session (cookie + CSRF) or a bearer token.
export class Client {
  constructor(base) { this.base = base; this.cookie = null; this.csrf = null; this.bearer = null; }

  async login(email = ADMIN.email, password = ADMIN.password) {
    const r = await this.req('POST', '/api/v1/auth/login', { email, password });
    if (r.status !== 200) throw new Error(`login ${email} failed: ${r.status} ${r.text}`);
    this.cookie = r.headers.get('set-cookie').split(';')[0];
    this.csrf = r.json.csrf_token;
    this.user = r.json.user;
    return this;
  }

  async useToken() {
    const r = await this.req('POST', '/api/v1/auth/tokens', { name: 'test' });
    if (r.status !== 201) throw new Error(`token: ${r.status} ${r.text}`);
    this.bearer = r.json.token;
    this.cookie = null;
    return this;
  }

  // body: object (sent as JSON), string/Buffer (sent raw), or undefined
  async req(method, path, body, headers = {}) {
    const h = { ...headers };
    if (this.bearer) h.authorization = `Bearer ${this.bearer}`;
    if (this.cookie) { h.cookie = this.cookie; if (this.csrf && method !== 'GET') h['x-csrf-token'] = this.csrf; }
    let payload;
    if (body !== undefined && typeof body === 'object' && !Buffer.isBuffer(body)) {
      payload = JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    } else if (body !== undefined) {
      payload = body;
      h['content-type'] ??= 'application/json';
    }
    const r = await fetch(this.base + path, { method, headers: h, body: payload });
    const text = await r.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    return { status: r.status, headers: r.headers, text, json };
  }
  get(p, h) { return this.req('GET', p, undefined, h); }
  post(p, b, h) { return this.req('POST', p, b, h); }
  patch(p, b, h) { return this.req('PATCH', p, b, h); }
  del(p, h) { return this.req('DELETE', p, undefined, h); }
}

export async function adminClient(srv) { return new Client(srv.url).login(); }

// creates a user through the API as admin and returns a logged-in client for them
let seq = 0;
export async function userClient(srv, admin, { role = 'manager', team_ids = [], name } = {}) {
  const email = `u${++seq}-${process.pid}@test.example`;
  const r = await admin.post('/api/v1/users', { email, name: name || email, password: 'user-pass-1', role, team_ids });
  if (r.status !== 201) throw new Error(`create user: ${r.status} ${r.text}`);
  const c = await new Client(srv.url).login(email, 'user-pass-1');
  c.id = r.json.id;
  return c;
}

export function readLog(srv) { return srv.stderr; }
export { readFileSync };

// Raw HTTP/1.1 over a socket, for what fetch will not send (chunked bodies of our making,
// bytes that are not UTF-8 in odd places, bodies sent in pieces). `parts` are written in
// order, `gapMs` apart; between parts `onGap(i)` may act (e.g. signal the server). Resolves
// with {status, headers, body, json} once the server closes the connection (send
// `Connection: close`), or {error} when the connection fails.
export function rawHttp(port, parts, { gapMs = 0, onGap, timeoutMs = 10000 } = {}) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks = [];
    const timer = setTimeout(() => { s.destroy(); resolve({ error: 'timeout' }); }, timeoutMs);
    s.on('data', (d) => chunks.push(d));
    s.on('error', (e) => { clearTimeout(timer); resolve({ error: e.code || e.message }); });
    s.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.split('\r\n\r\n', 1)[0];
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      const headers = {};
      for (const line of head.split('\r\n').slice(1)) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      let body = text.slice(head.length + 4);
      if (/chunked/i.test(headers['transfer-encoding'] || '')) {
        let out = '', rest = body;
        for (;;) {
          const n = parseInt(rest, 16);
          if (!n) break;
          const start = rest.indexOf('\r\n') + 2;
          out += rest.slice(start, start + n);
          rest = rest.slice(start + n + 2);
        }
        body = out;
      }
      body = Buffer.from(body, 'latin1').toString('utf8');
      let json = null;
      try { json = JSON.parse(body); } catch { /* not JSON */ }
      resolve(m ? { status: Number(m[1]), headers, body, json } : { error: 'no answer', body: text });
    });
    (async () => {
      for (let i = 0; i < parts.length; i++) {
        if (i && gapMs) await sleep(gapMs);
        if (i && onGap) await onGap(i);
        if (!s.destroyed) s.write(parts[i]);
      }
    })();
  });
}
