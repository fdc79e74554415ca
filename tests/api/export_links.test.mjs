// Company links in contact exports: a whole export reads every link in one pass beside the
// rows, a filtered one asks per contact; both must write the same cells, in company order,
// with a company's name only where the exporting role may read that company, and nothing
// of a deleted company.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient, userClient } from './lib.mjs';
import { parseCsv } from './import_lib.mjs';

let srv, raw;
before(async () => {
  srv = await startServer();
  raw = await adminClient(srv);
});
after(async () => { await srv.stop(); });

async function exportRows(client, body) {
  const r = await client.req('POST', '/api/v1/exports?download=true', { object: 'contacts', format: 'csv', ...body });
  assert.equal(r.status, 200, r.text);
  const rows = parseCsv(r.text);
  const head = rows[0];
  return rows.slice(1).map((row) => Object.fromEntries(head.map((h, i) => [h, row[i]])));
}

test('whole and filtered exports write the same link cells, names only of readable companies', async () => {
  const role = await raw.post('/api/v1/roles', {
    name: 'link-exporter',
    scopes: { contacts: { read: 'all', write: 'own', export: 'all' }, companies: { read: 'own', write: 'own' }, exports: { read: 'own', write: 'own' } },
  });
  assert.equal(role.status, 201, role.text);
  const u = await userClient(srv, raw, { role: 'link-exporter' });
  const mine = await u.post('/api/v1/companies', { name: 'Mine; "quoted", Ltd' });
  assert.equal(mine.status, 201, mine.text);
  const hidden = await raw.post('/api/v1/companies', { name: 'Hidden Corp' });
  const gone = await raw.post('/api/v1/companies', { name: 'Gone Corp' });
  assert.equal(hidden.status, 201, hidden.text);
  assert.equal(gone.status, 201, gone.text);
  const ids = [hidden.json.id, mine.json.id, gone.json.id];
  const linked = await raw.post('/api/v1/contacts', { last_name: 'Linked', company_ids: ids });
  assert.equal(linked.status, 201, linked.text);
  const other = await raw.post('/api/v1/contacts', { last_name: 'Other', company_ids: [mine.json.id] });
  assert.equal(other.status, 201, other.text);
  assert.equal((await raw.post('/api/v1/contacts', { last_name: 'Alone' })).status, 201);
  assert.equal((await raw.del(`/api/v1/companies/${gone.json.id}`)).status, 204);

  const whole = await exportRows(u, {});
  const filtered = await exportRows(u, { filter: 'last_name in (Linked, Other, Alone)' });
  const pick = (rows) => rows.filter((r) => ['Linked', 'Other', 'Alone'].includes(r.last_name));
  assert.deepEqual(pick(whole), filtered, 'the one-pass and the per-contact reading agree');

  const by = Object.fromEntries(filtered.map((r) => [r.last_name, r]));
  const sorted = [hidden.json.id, mine.json.id].sort((a, b) => a - b);
  assert.equal(by.Linked.company_ids, sorted.join('; '), 'links in company order, the deleted company left out');
  assert.ok(by.Linked.companies.includes('Mine; "quoted", Ltd'), by.Linked.companies);
  assert.ok(!by.Linked.companies.includes('Hidden') && !by.Linked.companies.includes('Gone'), 'no name of a company the role may not read');
  assert.equal(by.Other.companies, 'Mine; "quoted", Ltd');
  assert.equal(by.Alone.companies, '');
  assert.equal(by.Alone.company_ids, '');
});

test('one link column alone, and names that need escaping, read the same whole and filtered', async () => {
  const odd = await raw.post('/api/v1/companies', { name: '=Ødd "Co"\\ \u2028 zażółć, 1' });
  assert.equal(odd.status, 201, odd.text);
  const plain = await raw.post('/api/v1/companies', { name: 'Plain' });
  assert.equal(plain.status, 201, plain.text);
  const c = await raw.post('/api/v1/contacts', { last_name: 'Escaped', company_ids: [odd.json.id, plain.json.id] });
  assert.equal(c.status, 201, c.text);
  const pick = (rows) => rows.filter((r) => r.last_name === 'Escaped');
  for (const fields of ['last_name,companies', 'last_name,company_ids', 'company_ids,last_name,companies']) {
    const whole = pick(await exportRows(raw, { fields }));
    const filtered = await exportRows(raw, { fields, filter: 'last_name = Escaped' });
    assert.deepEqual(whole, filtered, fields);
    assert.equal(whole.length, 1);
    if (fields.includes('companies')) assert.equal(whole[0].companies, "'=Ødd \"Co\"\\ \u2028 zażółć, 1; Plain", 'formula-escaped once, quotes and backslash kept');
    if (fields.includes('company_ids')) assert.equal(whole[0].company_ids, `${odd.json.id}; ${plain.json.id}`);
  }
});
