// The OpenAPI document at /api/v1/openapi.json is the contract: it is well formed, every
// reference resolves, and real answers of every foundation endpoint (successes and
// problems) match it. The checker in openapi.mjs is itself tested on known-bad answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient, userClient, Client } from './lib.mjs';
import { loadSpec, validate, findPath, checkResponse, checked } from './openapi.mjs';

let srv, admin, spec;
before(async () => {
  srv = await startServer();
  admin = checked(await adminClient(srv));
  spec = await loadSpec(admin);
});
after(async () => { await srv.stop(); });

function refsIn(node, out = []) {
  if (node && typeof node === 'object') {
    if (typeof node.$ref === 'string') out.push(node.$ref);
    for (const v of Object.values(node)) refsIn(v, out);
  }
  return out;
}

test('the document is OpenAPI 3, public, and every $ref resolves', async () => {
  const r = await fetch(`${srv.url}/api/v1/openapi.json`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.match(spec.openapi, /^3\.\d+\.\d+$/);
  assert.ok(spec.info.title && spec.info.version);
  for (const ref of refsIn(spec)) {
    assert.match(ref, /^#\/components\/schemas\//, ref);
    assert.ok(spec.components.schemas[ref.split('/').pop()], `dangling ${ref}`);
  }
  const methods = ['get', 'post', 'put', 'patch', 'delete'];
  for (const [p, item] of Object.entries(spec.paths)) {
    assert.match(p, /^\/api\/v1\//);
    const ops = methods.filter((m) => item[m]);
    assert.ok(ops.length, `${p} has no operations`);
    for (const m of ops) {
      assert.ok(item[m].summary, `${m} ${p} has no summary`);
      assert.ok(Object.keys(item[m].responses).some((c) => /^2\d\d$/.test(c)), `${m} ${p} has no success answer`);
      assert.ok(item[m].responses.default, `${m} ${p} documents no problem answer`);
    }
    if (p.includes('{id}')) assert.ok((item.parameters || []).some((x) => x.name === 'id' && x.in === 'path'), p);
  }
});

test('the foundation endpoints are all described', () => {
  const want = {
    '/api/v1/health': ['get'], '/api/v1/openapi.json': ['get'], '/api/v1/auth/login': ['post'], '/api/v1/auth/logout': ['post'],
    '/api/v1/auth/me': ['get'], '/api/v1/auth/tokens': ['get', 'post'], '/api/v1/auth/tokens/{id}': ['delete'],
    '/api/v1/audit': ['get'], '/api/v1/audit/{id}': ['get'],
  };
  for (const r of ['users', 'teams', 'roles', 'custom-fields']) {
    want[`/api/v1/${r}`] = ['get', 'post'];
    want[`/api/v1/${r}/{id}`] = ['get', 'patch', 'put', 'delete'];
  }
  for (const [p, ms] of Object.entries(want))
    for (const m of ms) assert.ok(spec.paths[p]?.[m], `${m.toUpperCase()} ${p} is not in the document`);
  assert.equal(spec.paths['/api/v1/audit'].post, undefined, 'the audit is read-only');
  const user = spec.components.schemas.user;
  assert.equal(user.properties.password.writeOnly, true);
  assert.ok(user.required.includes('id') && user.required.includes('version'));
});

test('every foundation endpoint answers as documented, errors included', async () => {
  const c = admin;   // checked: each call below is validated against the document
  await c.get('/api/v1/health');
  await c.get('/api/v1/auth/me');
  await c.get('/api/v1/auth/tokens');
  const tok = await c.post('/api/v1/auth/tokens', { name: 'doc' });
  await c.del(`/api/v1/auth/tokens/${tok.json.id}`);
  await c.del('/api/v1/auth/tokens/999999');
  const team = await c.post('/api/v1/teams', { name: 'Doc team' });
  const role = await c.post('/api/v1/roles', { name: 'doc-role', description: 'for the document', scopes: { contacts: { read: 'own' } } });
  const user = await c.post('/api/v1/users', { email: 'doc@test.example', name: 'Doc', password: 'doc-pass-12', role: 'doc-role', team_ids: [team.json.id], locale: 'pl' });
  const cf = await c.post('/api/v1/custom-fields', { object: 'contact', name: 'doc_enum', type: 'enum', options: ['a', 'b'], label: 'Doc' });
  for (const [base, made] of [['users', user], ['teams', team], ['roles', role], ['custom-fields', cf]]) {
    assert.equal(made.status, 201, made.text);
    await c.get(`/api/v1/${base}`);
    await c.get(`/api/v1/${base}?count=true&limit=1`);
    await c.get(`/api/v1/${base}?fields=id`);
    await c.get(`/api/v1/${base}/${made.json.id}`);
    await c.get(`/api/v1/${base}/99999`);
    await c.get(`/api/v1/${base}?sort=nope`);
    await c.get(`/api/v1/${base}?filter=(`);
    await c.patch(`/api/v1/${base}/${made.json.id}`, { nope: 1 });
    await c.req('PUT', `/api/v1/${base}/${made.json.id}`, {}, { 'if-match': '"99"' });
    await c.post(`/api/v1/${base}`, '{bad json');
    await c.post(`/api/v1/${base}`, {});
  }
  await c.patch(`/api/v1/users/${user.json.id}`, { name: 'Doc Two' });
  await c.patch(`/api/v1/teams/${team.json.id}`, { name: 'Doc team 2' });
  await c.patch(`/api/v1/roles/${role.json.id}`, { description: null });
  await c.patch(`/api/v1/custom-fields/${cf.json.id}`, { label: null, required: true });
  await c.get('/api/v1/audit?limit=100');
  const a = await c.get('/api/v1/audit?limit=1');
  await c.get(`/api/v1/audit/${a.json.data[0].id}`);
  await c.del(`/api/v1/users/${user.json.id}`);
  await c.del(`/api/v1/custom-fields/${cf.json.id}`);
  await c.del(`/api/v1/roles/${role.json.id}`);
  await c.del(`/api/v1/roles/1`);   // built-in: 409 problem
  await c.get('/api/v1/openapi.json');
  // a user with narrow scopes gets documented 403s
  const u = checked(await userClient(srv, admin));
  await u.post('/api/v1/roles', { name: 'x', scopes: {} });
  await u.del('/api/v1/users/1');
  // unauthenticated and login problems
  const anon = checked(new Client(srv.url));
  await anon.get('/api/v1/users');
  await anon.post('/api/v1/auth/login', { email: 'x@y.example', password: 'nope-nope' });
  await anon.post('/api/v1/auth/login', {});
  await anon.get('/api/v1/nowhere');
  await anon.req('DELETE', '/api/v1/health');
});

test('custom fields appear in the schema of their object as soon as they are defined', async (t) => {
  const objects = ['contact', 'company', 'lead', 'deal', 'product', 'activity'].filter((o) => spec.components.schemas[o]?.properties?.custom_fields);
  if (!objects.length) { t.skip('no resource with custom fields is built in'); return; }
  const object = objects[0];
  const cf = await admin.post('/api/v1/custom-fields', { object, name: 'doc_number', type: 'number' });
  assert.equal(cf.status, 201, cf.text);
  const fresh = await loadSpec(admin, { fresh: true });
  assert.deepEqual(fresh.components.schemas[object].properties.custom_fields.properties.doc_number, { type: 'number', nullable: true });
});

test('the checker finds what is wrong (it is not a rubber stamp)', () => {
  const s = { components: { schemas: { thing: { type: 'object', required: ['id'], properties: {
    id: { type: 'integer' }, at: { type: 'string', format: 'date-time' }, day: { type: 'string', format: 'date' },
    kind: { type: 'string', enum: ['a', 'b'] }, note: { type: 'string', nullable: true, maxLength: 3 },
    tags: { type: 'array', items: { type: 'string' } }, secret: { type: 'string', writeOnly: true },
    n: { type: 'number' }, any: {},
  } } } } };
  const ref = { $ref: '#/components/schemas/thing' };
  assert.deepEqual(validate(s, ref, { id: 1, at: '2024-01-01T00:00:00Z', day: '2024-01-01', kind: 'a', note: null, tags: ['x'], n: 1.5, any: [1, { a: null }] }), []);
  const bad = validate(s, ref, { at: 'yesterday', day: '2024-1-1', kind: 'c', note: 'long', tags: [1], secret: 'x', n: '1', id: 1.5 });
  for (const want of ['$.id: expected integer', '$.at:', '$.day:', '$.kind:', '$.note: longer', '$.tags[0]: expected string', '$.secret: write-only', '$.n: expected number'])
    assert.ok(bad.some((e) => e.startsWith(want)), `${want} in ${bad.join(' | ')}`);
  assert.deepEqual(validate(s, ref, {}), ["$: missing required 'id'"]);
  assert.deepEqual(validate(s, ref, null), ['$: null is not allowed']);
  assert.equal(findPath(spec, '/api/v1/users/12'), '/api/v1/users/{id}');
  assert.equal(findPath(spec, '/api/v1/auth/tokens'), '/api/v1/auth/tokens');
  assert.equal(findPath(spec, '/api/v1/nope/1/2/3'), null);
});

test('an answer that breaks the document fails the check', async () => {
  const fake = (status, body, ct = 'application/json') => ({ status, text: JSON.stringify(body), json: body, headers: new Headers({ 'content-type': ct }) });
  await checkResponse(admin, 'GET', '/api/v1/users/1', fake(200, { id: 1, version: 1, email: 'a@b.c', name: 'x', role: 'admin' }));
  await assert.rejects(checkResponse(admin, 'GET', '/api/v1/users/1', fake(200, { id: '1', version: 1 })), /expected integer/);
  await assert.rejects(checkResponse(admin, 'GET', '/api/v1/users/1', fake(200, { id: 1, version: 1, password: 'x' })), /write-only/);
  await assert.rejects(checkResponse(admin, 'GET', '/api/v1/users', fake(200, { data: [] })), /missing required 'next'/);
  await assert.rejects(checkResponse(admin, 'GET', '/api/v1/users/1', fake(404, { status: 404 }, 'application/json')), /Content-Type/);
  await assert.rejects(checkResponse(admin, 'GET', '/api/v1/undocumented', fake(200, {})), /not described/);
  await assert.rejects(checkResponse(admin, 'DELETE', '/api/v1/auth/tokens/1', fake(204, { x: 1 })), /without a body/);
});
