// A reference to a record is accepted only when the caller may read that record: a
// manager cannot learn which cards exist beyond their sight by probing ids.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient, userClient } from './lib.mjs';

let srv, admin, anna, boris;
before(async () => {
  srv = await startServer();
  admin = await adminClient(srv);
  const t1 = await admin.post('/api/v1/teams', { name: 'North' });
  const t2 = await admin.post('/api/v1/teams', { name: 'South' });
  anna = await userClient(srv, admin, { team_ids: [t1.json.id] });
  boris = await userClient(srv, admin, { team_ids: [t2.json.id] });
});
after(async () => { await srv.stop(); });

test('a reference to a card beyond the caller\'s sight reads like one that does not exist', async () => {
  const hidden = await anna.post('/api/v1/companies', { name: 'Hidden Ltd' });
  assert.equal(hidden.status, 201);
  const probe = await boris.post('/api/v1/deals', { title: 'Probe', company_id: hidden.json.id });
  const missing = await boris.post('/api/v1/deals', { title: 'Probe', company_id: 999999 });
  assert.equal(probe.status, 422);
  assert.equal(missing.status, 422);
  const err = (r) => r.json.errors.find((e) => e.field === 'company_id');
  assert.equal(err(probe).code, 'invalid_reference');
  assert.equal(err(probe).message.replace(/\d+/g, 'N'), err(missing).message.replace(/\d+/g, 'N'));
  const list = await boris.get('/api/v1/deals?count=true');
  assert.equal(list.json.count, 0, 'nothing was created');
});

test('a reference to a visible card, and to a deleted one', async () => {
  const own = await boris.post('/api/v1/companies', { name: 'Visible Ltd' });
  const ok = await boris.post('/api/v1/deals', { title: 'Real', company_id: own.json.id });
  assert.equal(ok.status, 201);
  assert.equal(ok.json.company_id, own.json.id);
  const gone = await boris.post('/api/v1/companies', { name: 'Gone Ltd' });
  assert.equal((await boris.del(`/api/v1/companies/${gone.json.id}`)).status, 204);
  const r = await boris.post('/api/v1/deals', { title: 'Late', company_id: gone.json.id });
  assert.equal(r.status, 422);
});
