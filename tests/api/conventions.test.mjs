// The API conventions every resource shares, exercised on the foundation's own resources
// (custom field definitions, users, roles, audit): cursor pagination under every sort
// including NULLs and ties, sorting, the filter language and equality shorthands, field
// selection, versions with If-Match/ETag, Idempotency-Key replays, and the audit trail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient, userClient } from './lib.mjs';
import { checked } from './openapi.mjs';

let srv, admin;
const defs = [];   // the custom field definitions created for the list tests
const q = encodeURIComponent;

before(async () => {
  srv = await startServer();
  admin = checked(await adminClient(srv));
  for (let i = 0; i < 41; i++) {
    const body = {
      object: i % 7 === 0 ? 'deal' : 'contact',
      name: `f${String(i).padStart(2, '0')}`,
      type: 'text',
      // NULLs and ties in every sortable column
      label: i % 3 === 0 ? null : `L${i % 5}`,
      position: i % 4,
      required: i % 2 === 0,
    };
    const r = await admin.post('/api/v1/custom-fields', body);
    assert.equal(r.status, 201, r.text);
    defs.push(r.json);
  }
});
after(async () => { await srv.stop(); });

// SQLite's order: NULL first ascending (last descending), ties broken by id in the same direction
function expectedOrder(rows, key, desc) {
  const cmp = (a, b) => {
    const x = a[key], y = b[key];
    if (x === y) return a.id - b.id;
    if (x === null) return -1;
    if (y === null) return 1;
    if (typeof x === 'boolean') return Number(x) - Number(y);
    return x < y ? -1 : 1;
  };
  const sorted = [...rows].sort(cmp);
  return (desc ? sorted.reverse() : sorted).map((r) => r.id);
}

async function walk(c, base, limit) {
  const seen = [];
  let next = null, pages = 0;
  do {
    const sep = base.includes('?') ? '&' : '?';
    const r = await c.get(`${base}${sep}limit=${limit}${next ? `&after=${next}` : ''}`);
    assert.equal(r.status, 200, `${base}: ${r.text}`);
    assert.ok(r.json.data.length <= limit);
    if (r.json.next) assert.equal(r.json.data.length, limit, 'a page before the last is full');
    seen.push(...r.json.data.map((x) => x.id));
    next = r.json.next;
    assert.ok(++pages <= 200, 'the walk ends');
  } while (next);
  return seen;
}

test('cursor pagination walks every row exactly once, in order, under every sort', async () => {
  const sorts = ['id', 'name', 'label', 'position', 'required', 'object', 'created_at', 'updated_at', 'type'];
  for (const key of sorts) {
    for (const desc of [false, true]) {
      const want = expectedOrder(defs, key, desc);
      for (const limit of [1, 4, 7, 500]) {
        const got = await walk(admin, `/api/v1/custom-fields?sort=${desc ? '-' : ''}${key}`, limit);
        assert.deepEqual(got, want, `sort=${desc ? '-' : ''}${key} limit=${limit}`);
      }
    }
  }
});

test('pagination combines with a filter and keeps its count', async () => {
  const contacts = defs.filter((d) => d.object === 'contact');
  const got = await walk(admin, `/api/v1/custom-fields?sort=-label&filter=${q('object eq contact')}`, 3);
  assert.deepEqual(got, expectedOrder(contacts, 'label', true));
  const r = await admin.get(`/api/v1/custom-fields?limit=2&count=true&filter=${q('object eq contact')}`);
  assert.equal(r.json.count, contacts.length);
  const p2 = await admin.get(`/api/v1/custom-fields?limit=2&count=true&after=${r.json.next}&filter=${q('object eq contact')}`);
  assert.equal(p2.json.count, contacts.length, 'count ignores the cursor');
});

test('a row deleted or added mid-walk neither repeats nor hides the others', async () => {
  const first = await admin.get('/api/v1/custom-fields?sort=label&limit=10');
  const gone = first.json.data[9];
  const extra = await admin.post('/api/v1/custom-fields', { object: 'lead', name: 'midwalk', type: 'text', label: 'L0' });
  assert.equal((await admin.del(`/api/v1/custom-fields/${gone.id}`)).status, 204);
  const rest = [];
  let next = first.json.next;
  while (next) {
    const r = await admin.get(`/api/v1/custom-fields?sort=label&limit=10&after=${next}`);
    rest.push(...r.json.data.map((x) => x.id));
    next = r.json.next;
  }
  const all = [...first.json.data.map((x) => x.id), ...rest];
  assert.equal(new Set(all).size, all.length, 'no row twice');
  for (const d of defs) if (d.id !== gone.id) assert.ok(all.includes(d.id), `row ${d.id} was skipped`);
  assert.ok(all.includes(extra.json.id));
  // put things back for the other tests
  await admin.del(`/api/v1/custom-fields/${extra.json.id}`);
  const again = await admin.post('/api/v1/custom-fields', { object: gone.object, name: gone.name, type: gone.type, label: gone.label, position: gone.position, required: gone.required });
  defs[defs.findIndex((d) => d.id === gone.id)] = again.json;
});

test('bad cursors, limits and sorts are 422 with the parameter named', async () => {
  const cases = [
    ['?after=not-a-cursor', 'after', 'invalid_cursor'],
    ['?after=' + Buffer.from('1\n-5').toString('base64url'), 'after', 'invalid_cursor'],
    ['?after=' + 'A'.repeat(3000), 'after', 'invalid_cursor'],
    ['?limit=0', 'limit', 'out_of_range'],
    ['?limit=501', 'limit', 'out_of_range'],
    ['?limit=ten', 'limit', 'out_of_range'],
    ['?limit=', 'limit', 'out_of_range'],
    ['?sort=nope', 'sort', 'invalid_sort'],
    ['?sort=name,id', 'sort', 'invalid_sort'],
    ['?sort=-', 'sort', 'invalid_sort'],
  ];
  for (const [qs, field, code] of cases) {
    const r = await admin.get('/api/v1/custom-fields' + qs);
    assert.equal(r.status, 422, `${qs}: ${r.text}`);
    assert.deepEqual(r.json.errors.map((e) => [e.field, e.code]), [[field, code]], qs);
  }
  // secrets and unsortable fields cannot be sorted on (sorting would leak their order)
  for (const s of ['password', '-password']) assert.equal((await admin.get(`/api/v1/users?sort=${s}`)).status, 422);
  assert.equal((await admin.get('/api/v1/audit?sort=changes')).status, 422);
  // a cursor of one sort used with another sort is still answered sanely
  const p = await admin.get('/api/v1/custom-fields?sort=label&limit=3');
  const r = await admin.get(`/api/v1/custom-fields?sort=position&limit=3&after=${p.json.next}`);
  assert.equal(r.status, 200, r.text);
});

test('filters: the documented language selects exactly the matching rows', async () => {
  const cases = [
    ['label is null', (d) => d.label === null],
    ['label is not null', (d) => d.label !== null],
    ['position in (1, 2)', (d) => d.position === 1 || d.position === 2],
    ['name starts F1', (d) => d.name.startsWith('f1')],
    ['label contains "l1"', (d) => d.label === 'L1'],
    ['not (position eq 0) and required eq true', (d) => d.position !== 0 && d.required],
    ['position>=2 or object=deal', (d) => d.position >= 2 || d.object === 'deal'],
    ['label ne L1', (d) => d.label !== 'L1'],
    ['created_at ge 2000-01-01 and created_at lt 2999-01-01T00:00:00Z', () => true],
    ['id gt 0 AND NOT required EQ TRUE', (d) => !d.required],
  ];
  for (const [f, pred] of cases) {
    const r = await admin.get(`/api/v1/custom-fields?limit=500&count=true&filter=${q(f)}`);
    assert.equal(r.status, 200, `${f}: ${r.text}`);
    const want = defs.filter(pred).map((d) => d.id).sort((a, b) => a - b);
    assert.deepEqual(r.json.data.map((d) => d.id).sort((a, b) => a - b), want, f);
    assert.equal(r.json.count, want.length, f);
  }
});

test('filters: invalid expressions are 422 invalid_filter and never a 500', async () => {
  const bad = [
    'nope eq 1', 'position eq abc', '(name eq x', 'name eq', 'name', 'and', 'name in ()', 'name eq "x',
    'position eq 99999999999999999999', 'created_at ge yesterday', 'required eq maybe', 'name eq x)',
    'not', '()', 'name ~ x', 'custom_fields.nope eq 1', `${'('.repeat(40)}name eq x${')'.repeat(40)}`,
    'name eq \u00ff\u00fe', 'x'.repeat(9000),
  ];
  for (const f of bad) {
    const r = await admin.get(`/api/v1/custom-fields?filter=${q(f)}`);
    assert.equal(r.status, 422, `${f.slice(0, 50)}: ${r.text}`);
    assert.equal(r.json.errors[0].field, 'filter');
    assert.equal(r.json.errors[0].code, 'invalid_filter');
  }
  // a secret is no filter field: filtering on it would reveal it bit by bit
  const pw = await admin.get(`/api/v1/users?filter=${q('password eq x')}`);
  assert.equal(pw.status, 422);
  // raw invalid UTF-8 in the query string
  const raw = await admin.get('/api/v1/custom-fields?filter=name%20eq%20%FF%FE');
  assert.equal(raw.status, 422, raw.text);
  // an empty filter is no filter
  assert.equal((await admin.get('/api/v1/custom-fields?filter=&limit=500')).json.data.length, defs.length);
});

test('equality shorthands: field=value filters with the field\'s type rules', async () => {
  const deals = defs.filter((d) => d.object === 'deal');
  const r = await admin.get('/api/v1/custom-fields?object=deal&limit=500');
  assert.deepEqual(r.json.data.map((d) => d.id).sort((a, b) => a - b), deals.map((d) => d.id).sort((a, b) => a - b));
  const two = await admin.get('/api/v1/custom-fields?object=deal&position=0&limit=500');
  assert.deepEqual(two.json.data.map((d) => d.id).sort(), deals.filter((d) => d.position === 0).map((d) => d.id).sort());
  // quotes and backslashes in a value are data, not syntax
  assert.deepEqual((await admin.get(`/api/v1/custom-fields?name=${q('f01" or name ne "x')}`)).json.data, []);
  assert.deepEqual((await admin.get(`/api/v1/custom-fields?name=${q('\\')}`)).json.data, []);
  const typed = await admin.get('/api/v1/custom-fields?position=abc');
  assert.equal(typed.status, 422);
  assert.deepEqual(typed.json.errors.map((e) => [e.field, e.code]), [['position', 'invalid_filter']]);
  const many = await admin.get('/api/v1/custom-fields?' + Array.from({ length: 17 }, (_, i) => `name=x${i}`).join('&'));
  assert.equal(many.status, 422);
});

test('fields= returns the chosen fields plus id and version, never a secret', async () => {
  const r = await admin.get('/api/v1/custom-fields?fields=name,label&limit=2');
  for (const d of r.json.data) assert.deepEqual(Object.keys(d).sort(), ['id', 'label', 'name', 'version']);
  const one = await admin.get(`/api/v1/custom-fields/${defs[1].id}?fields=position`);
  assert.deepEqual(one.json, { id: defs[1].id, version: defs[1].version, position: defs[1].position });
  assert.equal(one.headers.get('etag'), `"${defs[1].version}"`);
  const pw = await admin.get('/api/v1/users/1?fields=password,email');
  assert.deepEqual(Object.keys(pw.json).sort(), ['email', 'id', 'version']);
  const unknown = await admin.get('/api/v1/users?fields=nope');
  assert.equal(unknown.status, 200);
  assert.deepEqual(Object.keys(unknown.json.data[0]).sort(), ['id', 'version']);
  // an empty selection is everything
  assert.ok('email' in (await admin.get('/api/v1/users/1?fields=')).json);
});

test('versions: ETag on reads and writes, If-Match 412 on stale, nothing overwritten', async () => {
  const made = await admin.post('/api/v1/custom-fields', { object: 'product', name: 'versioned', type: 'text', label: 'v1' });
  const url = `/api/v1/custom-fields/${made.json.id}`;
  assert.equal(made.json.version, 1);
  assert.equal(made.headers.get('etag'), '"1"');
  assert.equal(made.headers.get('location'), url);
  const g = await admin.get(url);
  assert.equal(g.headers.get('etag'), '"1"');
  const u1 = await admin.patch(url, { label: 'v2' }, { 'if-match': '"1"' });
  assert.equal(u1.status, 200, u1.text);
  assert.equal(u1.json.version, 2);
  assert.equal(u1.headers.get('etag'), '"2"');
  // a colleague still holding version 1
  const stale = await admin.patch(url, { label: 'colleague' }, { 'if-match': '"1"' });
  assert.equal(stale.status, 412, stale.text);
  assert.equal(stale.json.code, 'version_mismatch');
  const staleBody = await admin.patch(url, { label: 'colleague', version: 1 });
  assert.equal(staleBody.status, 412);
  assert.equal((await admin.del(url, { 'if-match': '"1"' })).status, 412);
  const now = await admin.get(url);
  assert.equal(now.json.label, 'v2');
  assert.equal(now.json.version, 2);
  // weak form, bare number and * are understood; garbage is a 400
  assert.equal((await admin.patch(url, { label: 'v3' }, { 'if-match': 'W/"2"' })).status, 200);
  assert.equal((await admin.patch(url, { label: 'v4' }, { 'if-match': '3' })).status, 200);
  assert.equal((await admin.patch(url, { label: 'v5' }, { 'if-match': '*' })).status, 200);
  for (const bad of ['"abc"', '"-1"', '"0"', '"5x"']) {
    const r = await admin.patch(url, { label: 'never' }, { 'if-match': bad });
    assert.equal(r.status, 400, `${bad}: ${r.text}`);
    assert.equal(r.json.code, 'invalid_if_match');
  }
  assert.equal((await admin.get(url)).json.label, 'v5');
  // without If-Match the write goes through (last writer wins, as documented)
  assert.equal((await admin.patch(url, { label: 'v6' })).json.version, 6);
  assert.equal((await admin.del(url, { 'if-match': '"6"' })).status, 204);
  assert.equal((await admin.get(url)).status, 404);
});

test('the ETag is the record version even when a JSON field holds a "version" key (regression)', async () => {
  const role = await admin.post('/api/v1/roles', { name: 'etag-probe', description: '"version":99', scopes: { users: { read: 'own' } } });
  await admin.patch(`/api/v1/roles/${role.json.id}`, { description: 'x' });
  for (const f of ['', '?fields=scopes', '?fields=description', '?fields=name']) {
    const r = await admin.get(`/api/v1/roles/${role.json.id}${f}`);
    assert.equal(r.headers.get('etag'), '"2"', f);
  }
});

test('Idempotency-Key: a retry replays the answer and creates nothing more', async () => {
  const body = { object: 'lead', name: 'idem_one', type: 'text' };
  const a = await admin.post('/api/v1/custom-fields', body, { 'idempotency-key': 'key-1' });
  assert.equal(a.status, 201, a.text);
  const b = await admin.post('/api/v1/custom-fields', body, { 'idempotency-key': 'key-1' });
  assert.equal(b.status, 201, b.text);
  assert.deepEqual(b.json, a.json);
  assert.equal(b.headers.get('idempotent-replayed'), 'true');
  assert.equal(b.headers.get('location'), a.headers.get('location'));
  assert.equal((await admin.get('/api/v1/custom-fields?name=idem_one&count=true')).json.count, 1);
  // the same key with another body is refused, and that creates nothing either
  const c = await admin.post('/api/v1/custom-fields', { ...body, name: 'idem_two' }, { 'idempotency-key': 'key-1' });
  assert.equal(c.status, 422, c.text);
  assert.equal(c.json.code, 'idempotency_key_reused');
  assert.equal((await admin.get('/api/v1/custom-fields?name=idem_two&count=true')).json.count, 0);
  // the same key on another path is another request too
  const d = await admin.post('/api/v1/teams', { name: 'idem' }, { 'idempotency-key': 'key-1' });
  assert.equal(d.status, 422, d.text);
  // keys belong to the user who sent them
  const u = await userClient(srv, admin, { role: 'admin' });
  const e = await u.post('/api/v1/custom-fields', { ...body, name: 'idem_three' }, { 'idempotency-key': 'key-1' });
  assert.equal(e.status, 201, e.text);
  // a refused create stores nothing: the fixed request goes through under the same key
  const bad = await admin.post('/api/v1/custom-fields', { object: 'lead', name: 'Bad Name', type: 'text' }, { 'idempotency-key': 'key-2' });
  assert.equal(bad.status, 422);
  const good = await admin.post('/api/v1/custom-fields', { object: 'lead', name: 'good_name', type: 'text' }, { 'idempotency-key': 'key-2' });
  assert.equal(good.status, 201, good.text);
  for (const key of ['', 'k'.repeat(201)]) {
    const r = await admin.post('/api/v1/custom-fields', { object: 'lead', name: 'idem_bad', type: 'text' }, { 'idempotency-key': key });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.code, 'invalid_idempotency_key');
  }
});

test('Idempotency-Key: concurrent retries create once and all get the same answer', async () => {
  const body = { object: 'lead', name: 'idem_race', type: 'text' };
  const rs = await Promise.all(Array.from({ length: 8 }, () => admin.post('/api/v1/custom-fields', body, { 'idempotency-key': 'race' })));
  for (const r of rs) assert.equal(r.status, 201, r.text);
  assert.equal(new Set(rs.map((r) => r.json.id)).size, 1);
  assert.equal(rs.filter((r) => r.headers.get('idempotent-replayed') === 'true').length, 7);
  assert.equal((await admin.get('/api/v1/custom-fields?name=idem_race&count=true')).json.count, 1);
});

test('the audit trail records who changed which field from what to what, per request', async () => {
  const made = await admin.post('/api/v1/custom-fields', { object: 'product', name: 'audited', type: 'text', label: 'before' });
  const id = made.json.id;
  const upd = await admin.patch(`/api/v1/custom-fields/${id}`, { label: 'after', position: 7 });
  const same = await admin.patch(`/api/v1/custom-fields/${id}`, { label: 'after' });   // no change
  assert.equal(same.status, 200);
  const del = await admin.del(`/api/v1/custom-fields/${id}`);
  const rows = (await admin.get(`/api/v1/audit?object=custom_field&object_id=${id}&sort=id`)).json.data;
  assert.deepEqual(rows.map((r) => r.action), ['create', 'update', 'delete']);
  const [c, u, d] = rows;
  assert.equal(c.user_id, 1);
  assert.equal(c.request_id, made.headers.get('x-request-id'));
  assert.deepEqual(c.changes.label, [null, 'before']);
  assert.deepEqual(u.changes, { label: ['before', 'after'], position: [0, 7] });
  assert.equal(u.request_id, upd.headers.get('x-request-id'));
  assert.deepEqual(d.changes.label, ['after', null]);
  assert.equal(d.request_id, del.headers.get('x-request-id'));
  assert.ok(!('version' in d.changes) && !('updated_at' in u.changes));
  assert.ok(!('options' in d.changes), 'a field that was empty did not change on delete (regression)');
  // filters on the audit log
  const f = await admin.get(`/api/v1/audit?filter=${q(`object eq custom_field and object_id eq ${id} and action eq update`)}`);
  assert.deepEqual(f.json.data.map((r) => r.id), [u.id]);
  // the audit is read-only
  assert.equal((await admin.post('/api/v1/audit', { object: 'x' })).status, 405);
  assert.equal((await admin.del(`/api/v1/audit/${u.id}`)).status, 405);
  // user passwords never reach the audit
  const usr = await admin.post('/api/v1/users', { email: 'audit-pw@test.example', name: 'A', password: 'secret-pass-1', role: 'manager' });
  await admin.patch(`/api/v1/users/${usr.json.id}`, { password: 'secret-pass-2' });
  const ur = await admin.get(`/api/v1/audit?object=user&object_id=${usr.json.id}`);
  assert.ok(!ur.text.includes('secret-pass') && !ur.text.includes('argon2'), ur.text);
});

test('concurrent edits with the same If-Match: exactly one wins, the others get 412', async () => {
  const made = await admin.post('/api/v1/custom-fields', { object: 'product', name: 'contested', type: 'text', label: 'v1' });
  const url = `/api/v1/custom-fields/${made.json.id}`;
  const rs = await Promise.all(Array.from({ length: 6 }, (_, i) => admin.patch(url, { label: `writer ${i}` }, { 'if-match': '"1"' })));
  const won = rs.filter((r) => r.status === 200);
  assert.equal(won.length, 1, rs.map((r) => r.status).join(','));
  assert.ok(rs.every((r) => r.status === 200 || (r.status === 412 && r.json.code === 'version_mismatch')));
  const now = await admin.get(url);
  assert.equal(now.json.version, 2);
  assert.equal(now.json.label, won[0].json.label);
  const audit = await admin.get(`/api/v1/audit?object=custom_field&object_id=${made.json.id}&action=update`);
  assert.equal(audit.json.data.length, 1, 'one change, one audit row');
});

test('the id of a deleted record is never given to a new one (regression)', async () => {
  for (const [path, object, body] of [
    ['/api/v1/custom-fields', 'custom_field', (i) => ({ object: 'lead', name: `reuse_${i}`, type: 'text' })],
    ['/api/v1/teams', 'team', (i) => ({ name: `Reuse ${i}` })],
    ['/api/v1/roles', 'role', (i) => ({ name: `reuse-${i}`, scopes: {} })],
    ['/api/v1/users', 'user', (i) => ({ email: `reuse-${i}@test.example`, name: 'R', role: 'manager', password: 'reuse-pass-1' })],
  ]) {
    const a = await admin.post(path, body(1));
    assert.equal(a.status, 201, a.text);
    assert.equal((await admin.del(`${path}/${a.json.id}`)).status, 204);
    const b = await admin.post(path, body(2));
    assert.ok(b.json.id > a.json.id, `${path}: ${b.json.id} reuses ${a.json.id}`);
    assert.equal((await admin.get(`${path}/${a.json.id}`)).status, 404);
    const hist = await admin.get(`/api/v1/audit?object=${object}&object_id=${b.json.id}`);
    assert.deepEqual(hist.json.data.map((r) => r.action), ['create'], 'the new record has no history of the old one');
  }
});
