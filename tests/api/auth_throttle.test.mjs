// Login throttling, on a server of its own (the per-address limit would lock out every
// other test coming from 127.0.0.1): 5 failures per account and 20 per address within 15
// minutes answer 429 with Retry-After, even for the right password.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient, Client, ADMIN } from './lib.mjs';
import { checkResponse } from './openapi.mjs';

let srv, admin;
before(async () => {
  srv = await startServer();
  admin = await adminClient(srv);
});
after(async () => { await srv.stop(); });

let failures = 0;   // failed logins from 127.0.0.1 so far (the address counter)
async function login(email, password) {
  const c = new Client(srv.url);
  const r = await c.post('/api/v1/auth/login', { email, password });
  if (r.status === 401) failures++;
  return r;
}

async function mkUser(email) {
  const r = await admin.post('/api/v1/users', { email, name: email, password: 'right-pass-1', role: 'manager' });
  assert.equal(r.status, 201, r.text);
}

function assertThrottled(r) {
  assert.equal(r.status, 429, r.text);
  assert.equal(r.json.code, 'too_many_attempts');
  assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
  const after = Number(r.headers.get('retry-after'));
  assert.ok(Number.isInteger(after) && after > 0 && after <= 900, `Retry-After ${r.headers.get('retry-after')}`);
  assert.equal(r.headers.get('set-cookie'), null);
}

test('an account is locked after 5 failures, also for the right password; others are not', async () => {
  await mkUser('victim@test.example');
  await mkUser('bystander@test.example');
  for (let i = 0; i < 5; i++) assert.equal((await login('victim@test.example', `wrong-${i}-pass`)).status, 401);
  const r = await login('victim@test.example', 'right-pass-1');
  assertThrottled(r);
  await checkResponse(admin, 'POST', '/api/v1/auth/login', r);
  // the account key ignores letter case, like the email lookup does
  assertThrottled(await login('VICTIM@test.example', 'right-pass-1'));
  assert.equal((await login('bystander@test.example', 'right-pass-1')).status, 200);
});

test('a successful login clears the account\'s failures', async () => {
  await mkUser('forgetful@test.example');
  for (let i = 0; i < 4; i++) await login('forgetful@test.example', 'wrong-pass-x');
  assert.equal((await login('forgetful@test.example', 'right-pass-1')).status, 200);
  for (let i = 0; i < 4; i++) await login('forgetful@test.example', 'wrong-pass-y');
  assert.equal((await login('forgetful@test.example', 'right-pass-1')).status, 200);
});

test('an address is locked after 20 failures across accounts', async () => {
  assert.ok(failures < 20, `${failures} failures already`);
  let i = 0;
  while (failures < 20) {
    const r = await login(`nobody-${i++}@test.example`, 'whatever-pass');
    assert.equal(r.status, 401, r.text);
  }
  assertThrottled(await login(ADMIN.email, ADMIN.password));
  assertThrottled(await login('bystander@test.example', 'right-pass-1'));
  // sessions that exist keep working: the throttle guards logins only
  assert.equal((await admin.get('/api/v1/auth/me')).status, 200);
});
