// `kartoteka demo` fills a data directory with a small client base that behaves like a
// real one: cards are searchable, phones normalised and found by caller ID, deals on the
// board, calls planned.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient, cli } from './lib.mjs';

let srv, admin;
before(async () => { srv = await startServer(); admin = await adminClient(srv); });
after(async () => { await srv.stop(); });

test('demo data is created through the API rules and is usable at once', async () => {
  const out = JSON.parse(cli(['demo', '--data', srv.dataDir, '--contacts', '20'], { dataDir: srv.dataDir }).trim());
  assert.deepEqual(out, { companies: 4, contacts: 20, deals: 4, calls: 7 });
  assert.equal((await admin.get('/api/v1/contacts?count=true&limit=1')).json.count, 20);
  assert.equal((await admin.get('/api/v1/companies?count=true&limit=1')).json.count, 4);
  const card = (await admin.get('/api/v1/contacts?limit=1&sort=id')).json.data[0];
  assert.ok(card.phones[0].e164.startsWith('+'), 'phones are normalised');
  const found = await admin.get(`/api/v1/lookup/phone?number=${encodeURIComponent(card.phones[0].value)}`);
  assert.ok(found.json.data.some((x) => x.type === 'contact' && x.id === card.id), 'caller ID finds the card by its typed number');
  const search = await admin.get(`/api/v1/contacts?q=${encodeURIComponent(card.last_name.slice(0, 4))}`);
  assert.ok(search.json.data.some((x) => x.id === card.id), 'the card is in the search index');
  const board = await admin.get('/api/v1/pipelines/1/board');
  assert.equal(board.json.stages.reduce((n, s) => n + s.count, 0), 4);
  assert.equal((await admin.get('/api/v1/activities?count=true&limit=1')).json.count, 7);
});

test('demo refuses a bad size and changes nothing', async () => {
  const before = (await admin.get('/api/v1/contacts?count=true&limit=1')).json.count;
  assert.throws(() => cli(['demo', '--data', srv.dataDir, '--contacts', '0'], { dataDir: srv.dataDir }), /--contacts must be a number/);
  assert.throws(() => cli(['demo', '--data', srv.dataDir, '--contacts', 'lots'], { dataDir: srv.dataDir }));
  assert.equal((await admin.get('/api/v1/contacts?count=true&limit=1')).json.count, before);
});
