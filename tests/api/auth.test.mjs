// Authentication as a client sees it: login and its cookie, CSRF on cookie writes (and not
// on bearer ones), logout, API tokens (create, list, revoke), disabled accounts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startServer, adminClient, userClient, Client, cli, ADMIN } from './lib.mjs';
import { checked, checkResponse } from './openapi.mjs';

let srv, admin;
before(async () => {
  srv = await startServer();
  admin = checked(await adminClient(srv));
});
after(async () => { await srv.stop(); });

function assertProblem(r, status, code) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
  assert.equal(r.json.status, status);
  if (code) assert.equal(r.json.code, code, r.text);
  assert.ok(r.json.title && r.json.type && r.json.request_id, r.text);
  assert.equal(r.headers.get('x-request-id'), r.json.request_id);
}

test('login answers the user and a CSRF token and sets an HttpOnly SameSite=Strict cookie', async () => {
  const c = new Client(srv.url);
  const r = await c.post('/api/v1/auth/login', ADMIN);
  assert.equal(r.status, 200);
  await checkResponse(c, 'POST', '/api/v1/auth/login', r);
  assert.equal(r.json.user.email, ADMIN.email);
  assert.equal(r.json.user.password, undefined);
  assert.ok(r.json.csrf_token.length >= 40);
  const cookie = r.headers.get('set-cookie');
  assert.match(cookie, /^kt_session=[A-Za-z0-9_-]{40,};/);
  assert.match(cookie, /;\s*HttpOnly/i);
  assert.match(cookie, /;\s*SameSite=Strict/i);
  assert.match(cookie, /;\s*Path=\//);
  assert.match(cookie, /;\s*Max-Age=\d+/);
  // the session is not the CSRF token
  assert.ok(!cookie.includes(r.json.csrf_token));
});

test('wrong password and unknown email get the same 401 problem', async () => {
  const c = new Client(srv.url);
  const a = await c.post('/api/v1/auth/login', { email: ADMIN.email, password: 'wrong-password' });
  const b = await c.post('/api/v1/auth/login', { email: 'nobody@test.example', password: 'wrong-password' });
  assertProblem(a, 401, 'invalid_credentials');
  assertProblem(b, 401, 'invalid_credentials');
  assert.equal(a.json.detail, b.json.detail);
  assert.equal(a.headers.get('set-cookie'), null);
});

test('login without fields or with wrong types is a 422 naming each field', async () => {
  const c = new Client(srv.url);
  const r = await c.post('/api/v1/auth/login', { email: 5 });
  assertProblem(r, 422, 'validation_failed');
  assert.deepEqual(r.json.errors.map((e) => e.field).sort(), ['email', 'password']);
  assertProblem(await c.post('/api/v1/auth/login', 'nope'), 400, 'malformed_json');
});

test('requests without credentials get 401 problem+json', async () => {
  const c = new Client(srv.url);
  for (const [m, p] of [['GET', '/api/v1/users'], ['GET', '/api/v1/auth/me'], ['POST', '/api/v1/teams'], ['GET', '/api/v1/audit']]) {
    const r = await c.req(m, p, m === 'POST' ? { name: 'x' } : undefined);
    assertProblem(r, 401, 'unauthenticated');
  }
  const bad = new Client(srv.url);
  assertProblem(await bad.get('/api/v1/users', { authorization: 'Basic YTpi' }), 401, 'unauthenticated');
  assertProblem(await bad.get('/api/v1/users', { authorization: 'Bearer kt_not-a-token' }), 401, 'unauthenticated');
  assertProblem(await bad.get('/api/v1/users', { cookie: 'kt_session=forged' }), 401, 'unauthenticated');
});

test('cookie writes need the X-CSRF-Token; reads do not', async () => {
  const c = await new Client(srv.url).login();
  const csrf = c.csrf;
  c.csrf = null;   // the client then sends no X-CSRF-Token
  assert.equal((await c.get('/api/v1/users')).status, 200);
  assertProblem(await c.post('/api/v1/teams', { name: 'csrf-none' }), 403, 'csrf');
  assertProblem(await c.post('/api/v1/teams', { name: 'csrf-wrong' }, { 'x-csrf-token': csrf.slice(0, -2) + 'xx' }), 403, 'csrf');
  assertProblem(await c.post('/api/v1/teams', { name: 'csrf-short' }, { 'x-csrf-token': 'a' }), 403, 'csrf');
  // nothing was created by the refused writes
  const list = await c.get('/api/v1/teams?filter=name%20starts%20csrf');
  assert.deepEqual(list.json.data, []);
  c.csrf = csrf;
  const ok = await c.post('/api/v1/teams', { name: 'csrf-ok' });
  assert.equal(ok.status, 201, ok.text);
  // another session's token does not fit this session
  const other = await new Client(srv.url).login();
  c.csrf = other.csrf;
  assertProblem(await c.post('/api/v1/teams', { name: 'csrf-other' }), 403, 'csrf');
});

test('bearer tokens write without a CSRF token', async () => {
  const c = await new Client(srv.url).login();
  await c.useToken();
  assert.equal(c.cookie, null);
  const r = await c.post('/api/v1/teams', { name: 'via-bearer' });
  assert.equal(r.status, 201, r.text);
  // a bearer token wins over a cookie sent beside it, so no CSRF is asked for
  const s = await new Client(srv.url).login();
  const both = await s.req('POST', '/api/v1/teams', { name: 'bearer-and-cookie' }, { authorization: `Bearer ${c.bearer}`, 'x-csrf-token': '' });
  assert.equal(both.status, 201, both.text);
});

test('logout ends the session, clears the cookie and itself needs the CSRF token', async () => {
  const c = await new Client(srv.url).login();
  const csrf = c.csrf;
  c.csrf = null;
  assertProblem(await c.req('POST', '/api/v1/auth/logout', undefined, { 'x-csrf-token': 'wrong' }), 403, 'csrf');
  c.csrf = csrf;
  assert.equal((await c.get('/api/v1/auth/me')).status, 200);
  const r = await c.post('/api/v1/auth/logout');
  assert.equal(r.status, 204);
  await checkResponse(c, 'POST', '/api/v1/auth/logout', r);
  assert.match(r.headers.get('set-cookie'), /kt_session=;.*Max-Age=0/);
  assertProblem(await c.get('/api/v1/auth/me'), 401, 'unauthenticated');
});

test('API tokens: created once, listed without the secret, revoked for good', async () => {
  const c = checked(await new Client(srv.url).login());
  const made = await c.post('/api/v1/auth/tokens', { name: 'integration' });
  assert.equal(made.status, 201);
  assert.match(made.json.token, /^kt_[A-Za-z0-9_-]{40,}$/);
  const token = made.json.token;
  const list = await c.get('/api/v1/auth/tokens');
  const row = list.json.data.find((t) => t.id === made.json.id);
  assert.equal(row.name, 'integration');
  assert.equal(row.revoked_at, null);
  assert.ok(token.startsWith(row.prefix));
  assert.ok(!list.text.includes(token), 'the secret is never listed');

  const bearer = new Client(srv.url);
  bearer.bearer = token;
  assert.equal((await bearer.get('/api/v1/auth/me')).json.user.email, ADMIN.email);

  // another user can neither see nor revoke it
  const other = checked(await userClient(srv, admin));
  assert.ok(!(await other.get('/api/v1/auth/tokens')).json.data.some((t) => t.id === made.json.id));
  assertProblem(await other.del(`/api/v1/auth/tokens/${made.json.id}`), 404, 'not_found');
  assert.equal((await bearer.get('/api/v1/auth/me')).status, 200);

  assert.equal((await c.del(`/api/v1/auth/tokens/${made.json.id}`)).status, 204);
  assertProblem(await bearer.get('/api/v1/auth/me'), 401, 'unauthenticated');
  assertProblem(await c.del(`/api/v1/auth/tokens/${made.json.id}`), 404, 'not_found');
  assert.notEqual((await c.get('/api/v1/auth/tokens')).json.data.find((t) => t.id === made.json.id).revoked_at, null);
  // a token cannot be longer than the name limit allows
  const long = await c.post('/api/v1/auth/tokens', { name: 'x'.repeat(201) });
  assertProblem(long, 422, 'validation_failed');
});

test('a disabled user cannot log in, and their sessions and tokens stop working', async () => {
  const u = await userClient(srv, admin);
  const email = u.user.email;
  const tokenUser = await new Client(srv.url).login(email, 'user-pass-1');
  await tokenUser.useToken();
  // the token's principal is remembered by the server while nothing changes: used first
  assert.equal((await tokenUser.get('/api/v1/auth/me')).status, 200);
  const off = await admin.patch(`/api/v1/users/${u.id}`, { disabled: true });
  assert.equal(off.status, 200, off.text);
  assert.equal(off.json.disabled, true);
  assertProblem(await u.get('/api/v1/auth/me'), 401, 'unauthenticated');
  assertProblem(await tokenUser.get('/api/v1/auth/me'), 401, 'unauthenticated');
  assertProblem(await new Client(srv.url).post('/api/v1/auth/login', { email, password: 'user-pass-1' }), 401, 'invalid_credentials');
  // enabled again: login works again
  assert.equal((await admin.patch(`/api/v1/users/${u.id}`, { disabled: false })).status, 200);
  await new Client(srv.url).login(email, 'user-pass-1');
});

test('the CLI lists, adds and disables users; disabling revokes their tokens', async () => {
  const out = cli(['user', 'add', '--data', srv.dataDir, '--email', 'cli-user@test.example', '--password', 'cli-pass-12', '--role', 'manager', '--team', 'CLI team', '--name', 'Cli User']);
  assert.match(out, /added: cli-user@test\.example \(manager\)/);
  const c = await new Client(srv.url).login('cli-user@test.example', 'cli-pass-12');
  assert.equal(c.user.name, 'Cli User');
  assert.equal(c.user.team_ids.length, 1);
  await c.useToken();
  assert.match(cli(['user', 'list', '--data', srv.dataDir]), /cli-user@test\.example\s+Cli User\s+manager\s+active/);
  assert.match(cli(['user', 'disable', '--data', srv.dataDir, '--email', 'cli-user@test.example']), /disabled/);
  assertProblem(await c.get('/api/v1/auth/me'), 401, 'unauthenticated');
  assert.match(cli(['user', 'list', '--data', srv.dataDir]), /cli-user@test\.example.*disabled/);
  // bad input: a weak password and an unknown role are refused with a message
  assert.throws(() => cli(['user', 'add', '--data', srv.dataDir, '--email', 'w@test.example', '--password', 'short', '--role', 'manager']), /8 to 256/);
  assert.throws(() => cli(['user', 'add', '--data', srv.dataDir, '--email', 'w@test.example', '--password', 'long-enough-1', '--role', 'nope']), /existing role/);
});

test('a change of a role\'s scopes applies at once to the API tokens of its users', async () => {
  const role = await admin.post('/api/v1/roles', { name: 'token-scopes', scopes: { contacts: 'all', users: { read: 'all' } } });
  assert.equal(role.status, 201, role.text);
  const u = await userClient(srv, admin, { role: 'token-scopes' });
  await u.useToken();
  for (let i = 0; i < 3; i++) assert.equal((await u.get('/api/v1/contacts')).status, 200);
  const cut = await admin.patch(`/api/v1/roles/${role.json.id}`, { scopes: { contacts: 'none', users: { read: 'all' } } });
  assert.equal(cut.status, 200, cut.text);
  assertProblem(await u.get('/api/v1/contacts'), 403, 'forbidden');
});

test('me answers the role scopes per object and action', async () => {
  const u = checked(await userClient(srv, admin));
  const r = await u.get('/api/v1/auth/me');
  assert.equal(r.json.user.role, 'manager');
  assert.deepEqual(r.json.scopes.contacts, { read: 'team', write: 'own', delete: 'own', export: 'none' });
  assert.deepEqual(r.json.scopes.roles, { read: 'all', write: 'none', delete: 'none', export: 'none' });
  assert.equal(r.json.scopes.audit.read, 'own');
});

test('an expired session is refused, and logins sweep expired sessions away', async () => {
  const c = await new Client(srv.url).login();
  const db = join(srv.dataDir, 'kartoteka.db');
  const sql = (q) => execFileSync('sqlite3', ['-cmd', '.timeout 5000', db, q], { encoding: 'utf8' }).trim();
  sql("UPDATE sessions SET expires_at = '2000-01-01T00:00:00Z' WHERE user_id = 1");
  assertProblem(await c.get('/api/v1/auth/me'), 401, 'unauthenticated');
  const expired = Number(sql("SELECT count(*) FROM sessions WHERE expires_at < '2001-01-01'"));
  assert.ok(expired >= 1);
  await new Client(srv.url).login();
  assert.equal(sql("SELECT count(*) FROM sessions WHERE expires_at < '2001-01-01'"), '0');
  // the admin's other clients of this file log in again for the tests that follow
  admin = checked(await adminClient(srv));
});
