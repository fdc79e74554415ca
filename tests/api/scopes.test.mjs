// Role scopes as users meet them: custom roles with `own`, `team` and `none` levels on
// users, teams and the audit log, checked through every way of reading (list, single
// read, count, filters, equality shorthands, sorting, field selection, cursors) and
// writing; and the rules that stop anyone from granting more than they hold.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient, Client } from './lib.mjs';
import { checked } from './openapi.mjs';

let srv, admin;
const teams = {}, roles = {}, users = {}, clients = {};

async function mk(path, body) {
  const r = await admin.post(path, body);
  assert.equal(r.status, 201, `${path}: ${r.text}`);
  return r.json;
}

async function mkUser(key, role, teamKeys) {
  const email = `${key}@scopes.example`;
  const u = await mk('/api/v1/users', { email, name: `User ${key}`, password: 'scope-pass-1', role, team_ids: teamKeys.map((t) => teams[t].id) });
  users[key] = u;
  clients[key] = checked(await new Client(srv.url).login(email, 'scope-pass-1'));
}

before(async () => {
  srv = await startServer();
  admin = checked(await adminClient(srv));
  teams.t1 = await mk('/api/v1/teams', { name: 'Team one' });
  teams.t2 = await mk('/api/v1/teams', { name: 'Team two' });
  roles.own = await mk('/api/v1/roles', { name: 'self-service', scopes: { users: { read: 'own', write: 'own' }, teams: { read: 'own' }, audit: { read: 'own' } } });
  roles.team = await mk('/api/v1/roles', { name: 'team-reader', scopes: { users: { read: 'team' }, teams: { read: 'team' }, audit: { read: 'team' } } });
  roles.none = await mk('/api/v1/roles', { name: 'no-users', scopes: { teams: 'all' } });
  roles.usermgr = await mk('/api/v1/roles', { name: 'user-manager', scopes: { users: 'all', teams: 'all', roles: 'all', audit: { read: 'all' } } });
  await mkUser('own1', 'self-service', ['t1']);
  await mkUser('team1', 'team-reader', ['t1']);
  await mkUser('team2', 'team-reader', ['t1']);
  await mkUser('outsider', 'team-reader', ['t2']);
  await mkUser('loner', 'team-reader', []);
  await mkUser('blind', 'no-users', ['t1']);
  await mkUser('mgr', 'user-manager', []);
  await mkUser('manager', 'manager', ['t1']);
});
after(async () => { await srv.stop(); });

const ids = (r) => r.json.data.map((x) => x.id).sort((a, b) => a - b);
const q = encodeURIComponent;

// every way of listing must agree on exactly `visible` (ids), and single reads must
// find those and nothing else
async function assertSees(c, base, visible, invisible) {
  visible = [...visible].sort((a, b) => a - b);
  const lists = [
    '', '?count=true', '?sort=-id', '?sort=created_at', '?fields=id', `?filter=${q('id gt 0')}`,
    `?filter=${q('id ge 1 or id lt 1')}`, `?filter=${q(`id in (${[...visible, ...invisible].join(',')})`)}`,
  ];
  for (const l of lists) {
    const r = await c.get(base + l);
    assert.equal(r.status, 200, `${base}${l}: ${r.text}`);
    assert.deepEqual(ids(r), visible, `${base}${l}`);
    if (l === '?count=true') assert.equal(r.json.count, visible.length);
  }
  const filtered = await c.get(`${base}?count=true&filter=${q(`id eq ${invisible[0]}`)}`);
  assert.deepEqual(filtered.json.data, []);
  assert.equal(filtered.json.count, 0);
  // a page at a time: the cursor walk finds the same set
  const seen = [];
  let next = null;
  do {
    const r = await c.get(`${base}?limit=1${next ? `&after=${next}` : ''}`);
    assert.equal(r.status, 200, r.text);
    seen.push(...r.json.data.map((x) => x.id));
    next = r.json.next;
  } while (next && seen.length < 100);
  assert.deepEqual(seen.sort((a, b) => a - b), visible);
  for (const id of visible) assert.equal((await c.get(`${base}/${id}`)).status, 200);
  for (const id of invisible) {
    const r = await c.get(`${base}/${id}`);
    assert.equal(r.status, 404, `${base}/${id} must be invisible: ${r.text}`);
    assert.equal(r.json.code, 'not_found');
  }
}

test('scope own on users: a user sees only themselves, however they ask', async () => {
  const c = clients.own1;
  const others = [1, users.team1.id, users.outsider.id, users.mgr.id];
  await assertSees(c, '/api/v1/users', [users.own1.id], others);
  // equality shorthands and sorting on other fields do not widen the set either
  const byEmail = await c.get(`/api/v1/users?email=${q(users.team1.email)}`);
  assert.deepEqual(byEmail.json.data, []);
  const sorted = await c.get('/api/v1/users?sort=-name&count=true');
  assert.deepEqual(ids(sorted), [users.own1.id]);
  assert.equal(sorted.json.count, 1);
});

test('scope team on users: members of the user\'s teams, nobody else; no team means only oneself', async () => {
  const t1 = [users.own1.id, users.team1.id, users.team2.id, users.blind.id, users.manager.id];
  await assertSees(clients.team1, '/api/v1/users', t1, [1, users.outsider.id, users.loner.id, users.mgr.id]);
  await assertSees(clients.outsider, '/api/v1/users', [users.outsider.id], [1, users.team1.id, users.loner.id]);
  await assertSees(clients.loner, '/api/v1/users', [users.loner.id], [1, users.team1.id, users.outsider.id]);
});

test('scopes own and team on teams: only the teams one belongs to', async () => {
  await assertSees(clients.own1, '/api/v1/teams', [teams.t1.id], [teams.t2.id]);
  await assertSees(clients.team1, '/api/v1/teams', [teams.t1.id], [teams.t2.id]);
  await assertSees(clients.outsider, '/api/v1/teams', [teams.t2.id], [teams.t1.id]);
  await assertSees(clients.loner, '/api/v1/teams', [], [teams.t1.id, teams.t2.id]);
});

test('scope none: 403 on list, count, read and write', async () => {
  const c = clients.blind;
  for (const p of ['/api/v1/users', '/api/v1/users?count=true', `/api/v1/users/${users.blind.id}`, '/api/v1/audit', '/api/v1/roles']) {
    const r = await c.get(p);
    assert.equal(r.status, 403, `${p}: ${r.text}`);
    assert.equal(r.json.code, 'forbidden');
  }
  assert.equal((await c.patch(`/api/v1/users/${users.blind.id}`, { name: 'x' })).status, 403);
  assert.equal((await c.post('/api/v1/users', { email: 'x@y.example', name: 'x', password: 'xxxxxxxxx', role: 'manager' })).status, 403);
  assert.equal((await c.del(`/api/v1/users/${users.blind.id}`)).status, 403);
  // the same role may do what it grants
  assert.equal((await c.get('/api/v1/teams')).status, 200);
});

test('writes follow the write scope: own record yes, others invisible, no delete right', async () => {
  const c = clients.own1;
  const r = await c.patch(`/api/v1/users/${users.own1.id}`, { name: 'Own One' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.name, 'Own One');
  const other = await c.patch(`/api/v1/users/${users.team1.id}`, { name: 'hacked' });
  assert.equal(other.status, 404, other.text);
  assert.equal((await c.del(`/api/v1/users/${users.own1.id}`)).status, 403);
  // team-reader may read its team but write nothing
  const ro = await clients.team1.patch(`/api/v1/users/${users.team2.id}`, { name: 'hacked' });
  assert.equal(ro.status, 403, ro.text);
  assert.equal((await admin.get(`/api/v1/users/${users.team2.id}`)).json.name, 'User team2');
});

test('audit: own sees rows about or by oneself, team those of teammates, nothing else', async () => {
  // a fresh change by own1 and one by the admin
  await clients.own1.patch(`/api/v1/users/${users.own1.id}`, { locale: 'pl' });
  await admin.patch(`/api/v1/users/${users.team2.id}`, { locale: 'cs' });
  const all = await admin.get('/api/v1/audit?limit=500');
  const byOwn1 = all.json.data.filter((a) => a.user_id === users.own1.id).map((a) => a.id);
  const byTeam = all.json.data.filter((a) => [users.own1.id, users.team1.id, users.team2.id, users.blind.id, users.manager.id].includes(a.user_id)).map((a) => a.id);
  const byAdmin = all.json.data.filter((a) => a.user_id === 1).map((a) => a.id);
  assert.ok(byOwn1.length >= 2 && byAdmin.length > 5);
  await assertSees(clients.own1, '/api/v1/audit', byOwn1, byAdmin.slice(0, 3));
  await assertSees(clients.team1, '/api/v1/audit', byTeam, byAdmin.slice(0, 3));
  await assertSees(clients.outsider, '/api/v1/audit', [], [...byOwn1, ...byAdmin.slice(0, 3)]);
  // the built-in manager role reads its own audit only
  await clients.manager.patch(`/api/v1/users/${users.manager.id}`, { locale: 'de' }).catch(() => {});
  const m = await clients.manager.get('/api/v1/audit?count=true');
  assert.ok(m.json.data.every((a) => a.user_id === users.manager.id || a.owner_id === users.manager.id), m.text);
  // filters on the audit list stay inside the scope
  const f = await clients.own1.get(`/api/v1/audit?count=true&filter=${q('object eq "user"')}`);
  assert.deepEqual(ids(f), byOwn1.sort((a, b) => a - b));
  const f2 = await clients.own1.get(`/api/v1/audit?user_id=1`);
  assert.deepEqual(f2.json.data, []);
});

test('a scope change takes effect on the next request', async () => {
  const before = await clients.team1.get('/api/v1/users?count=true');
  assert.equal(before.json.count, 5);
  const role = await admin.get(`/api/v1/roles/${roles.team.id}`);
  const wide = await admin.patch(`/api/v1/roles/${roles.team.id}`, { scopes: { users: { read: 'all' }, teams: { read: 'team' }, audit: { read: 'team' } } }, { 'if-match': `"${role.json.version}"` });
  assert.equal(wide.status, 200, wide.text);
  assert.equal((await clients.team1.get('/api/v1/users?count=true')).json.count, Object.keys(users).length + 1);
  const back = await admin.patch(`/api/v1/roles/${roles.team.id}`, { scopes: role.json.scopes });
  assert.equal(back.status, 200, back.text);
  assert.equal((await clients.team1.get('/api/v1/users?count=true')).json.count, 5);
});

test('nobody gives themselves a bigger role or joins a team they may not write (regression)', async () => {
  const c = clients.own1;
  const before = await admin.get(`/api/v1/users/${users.own1.id}`);
  const up = await c.patch(`/api/v1/users/${users.own1.id}`, { role: 'admin' });
  assert.equal(up.status, 403, up.text);
  assert.equal(up.json.code, 'forbidden');
  const join = await c.patch(`/api/v1/users/${users.own1.id}`, { team_ids: [teams.t1.id, teams.t2.id] });
  assert.equal(join.status, 403, join.text);
  const leave = await c.patch(`/api/v1/users/${users.own1.id}`, { team_ids: [] });
  assert.equal(leave.status, 403, leave.text);
  const after = await admin.get(`/api/v1/users/${users.own1.id}`);
  assert.deepEqual(after.json, before.json, 'the refused writes changed nothing');
  assert.equal(after.json.role, 'self-service');
  // and the refusal left the audit alone
  const audit = await admin.get(`/api/v1/audit?object_id=${users.own1.id}&object=user&count=true`);
  assert.ok(audit.json.data.some((a) => a.action === 'create'));
  assert.ok(audit.json.data.filter((a) => a.action === 'update').every((a) => !a.changes.role && !a.changes.team_ids), audit.text);
});

test('roles and users with more rights than one\'s own cannot be given or managed (regression)', async () => {
  const c = clients.mgr;   // users/teams/roles: all, audit: read all, nothing else
  const bigger = await c.post('/api/v1/roles', { name: 'superuser', scopes: { '*': 'all' } });
  assert.equal(bigger.status, 403, bigger.text);
  const smaller = await c.post('/api/v1/roles', { name: 'helpdesk', scopes: { users: { read: 'all' } } });
  assert.equal(smaller.status, 201, smaller.text);
  assert.equal((await c.patch(`/api/v1/roles/${smaller.json.id}`, { scopes: { contacts: 'all' } })).status, 403);
  const adminRole = (await c.get('/api/v1/roles?name=admin')).json.data[0];
  assert.equal((await c.patch(`/api/v1/roles/${adminRole.id}`, { description: 'mine now' })).status, 403);
  // users: a role within one's own may be given, a bigger one not
  const ok = await c.post('/api/v1/users', { email: 'helpdesk@scopes.example', name: 'H', password: 'helpdesk-1', role: 'helpdesk' });
  assert.equal(ok.status, 201, ok.text);
  const no = await c.post('/api/v1/users', { email: 'boss@scopes.example', name: 'B', password: 'boss-pass-1', role: 'admin' });
  assert.equal(no.status, 403, no.text);
  assert.equal((await admin.get(`/api/v1/users?email=${q('boss@scopes.example')}`)).json.data.length, 0);
  // the admin is beyond the user manager: no edits, no password change, no delete
  assert.equal((await c.patch('/api/v1/users/1', { password: 'taken-over-1' })).status, 403);
  assert.equal((await c.del('/api/v1/users/1')).status, 403);
  await new Client(srv.url).login();   // the admin's password still works
  // but users within reach are managed normally, their teams too
  const moved = await c.patch(`/api/v1/users/${ok.json.id}`, { team_ids: [teams.t2.id] });
  assert.equal(moved.status, 200, moved.text);
  assert.equal((await c.del(`/api/v1/users/${ok.json.id}`)).status, 204);
});
