// The minimum a newcomer sees: the server starts, answers health, and the admin logs in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient } from './lib.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

test('health answers without authentication', async () => {
  const r = await fetch(`${srv.url}/api/v1/health`);
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { status: 'ok' });
});

test('admin logs in and reads their own card', async () => {
  const admin = await adminClient(srv);
  const r = await admin.get('/api/v1/auth/me');
  assert.equal(r.status, 200);
  assert.equal(r.json.user.role, 'admin');
  assert.equal(r.json.scopes.contacts.read, 'all');
});
