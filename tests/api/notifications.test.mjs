// Notifications: the in-app list (read/unread, only one's own), the live event stream
// (SSE) delivering them, replay with Last-Event-ID, the reminder scheduler firing within
// 5 s of remind_at and surviving restarts (nothing fires twice, nothing is skipped), and
// event streams ending cleanly when the server stops.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient, userClient } from './lib.mjs';
import { checked } from './openapi.mjs';
import { fromNow, sleep, eventually, openStream } from './activities_lib.mjs';

let srv, admin, anna, boris;

before(async () => {
  srv = await startServer();
  admin = checked(await adminClient(srv));
  anna = checked(await userClient(srv, admin, { name: 'Anna Kowalska' }));
  boris = checked(await userClient(srv, admin, { name: 'Boris Petrov' }));
});
after(async () => { await srv.stop(); });

const assign = (to, subject, extra = {}) =>
  admin.post('/api/v1/activities', { kind: 'task', subject, assignee_id: to.id, due_at: fromNow(86400), ...extra });

test('a task assigned to you becomes an unread notification; read, unread and read-all answer in words', async () => {
  const t = await assign(anna, 'Check the invoice');
  assert.equal(t.status, 201, t.text);
  assert.match(t.json.message, /assigned to Anna Kowalska/);
  const list = await anna.get('/api/v1/notifications');
  assert.equal(list.status, 200);
  const n = list.json.data.find((x) => x.object_id === t.json.id);
  assert.ok(n, list.text);
  assert.equal(n.kind, 'assigned');
  assert.equal(n.object, 'activity');
  assert.equal(n.read, false);
  assert.match(n.text, /^Administrator assigned you a task: Check the invoice \(due /);
  assert.ok(list.json.unread >= 1);

  const read = await anna.post(`/api/v1/notifications/${n.id}/read`);
  assert.equal(read.status, 200, read.text);
  assert.equal(read.json.notification.read, true);
  assert.equal(read.json.message, 'The notification is marked as read.');
  assert.equal(read.json.unread, list.json.unread - 1);
  const unread = await anna.post(`/api/v1/notifications/${n.id}/unread`);
  assert.equal(unread.json.notification.read, false);
  assert.equal(unread.json.message, 'The notification is marked as unread.');
  const only = await anna.get('/api/v1/notifications?unread=true');
  assert.ok(only.json.data.every((x) => !x.read));

  // nobody else can read or mark it, whatever their role
  assert.equal((await boris.get(`/api/v1/notifications/${n.id}`)).status, 404);
  assert.equal((await boris.post(`/api/v1/notifications/${n.id}/read`)).status, 404);
  assert.equal((await admin.post(`/api/v1/notifications/${n.id}/read`)).status, 404);
  assert.equal((await anna.get(`/api/v1/notifications/${n.id}`)).json.read, false);

  // read-all stops at up_to: one arriving after the list was drawn stays unread
  const later = await assign(anna, 'Later task');
  const all = await anna.post('/api/v1/notifications/read-all', { up_to: n.id });
  assert.equal(all.status, 200);
  assert.match(all.json.message, /notifications? (is|are) marked as read\./);
  const left = await anna.get('/api/v1/notifications?unread=true');
  assert.deepEqual(left.json.data.map((x) => x.object_id), [later.json.id]);
  const rest = await anna.post('/api/v1/notifications/read-all');
  assert.equal(rest.json.unread, 0);
  assert.equal((await anna.post('/api/v1/notifications/read-all')).json.message, 'There was nothing unread.');
});

test('your own actions do not notify you; reassigning notifies the new assignee', async () => {
  const before = (await anna.get('/api/v1/notifications')).json.data.length;
  const own = await anna.post('/api/v1/activities', { kind: 'task', subject: 'Self', due_at: fromNow(3600) });
  assert.equal((await anna.get('/api/v1/notifications')).json.data.length, before);
  const moved = await anna.patch(`/api/v1/activities/${own.json.id}`, { assignee_id: boris.id });
  assert.equal(moved.status, 200, moved.text);
  const b = await boris.get('/api/v1/notifications');
  assert.ok(b.json.data.some((x) => x.object_id === own.json.id && x.text.startsWith('Anna Kowalska assigned you a task: Self')));
});

test('a client or a deal handed over, and a deal won, notify the new owner once, in words', async () => {
  const card = (await admin.post('/api/v1/contacts', { first_name: 'Jan', last_name: 'Kowalski' })).json;
  const moved = await admin.patch(`/api/v1/contacts/${card.id}`, { owner_id: anna.id });
  assert.equal(moved.status, 200, moved.text);
  const transferred = (c, id) => async () => (await c.get('/api/v1/notifications')).json.data
    .find((n) => n.kind === 'transferred' && n.object_id === id);
  const n1 = await eventually(transferred(anna, card.id), 5000, 'the transfer notification');
  assert.equal(n1.text, 'Administrator transferred the client Jan Kowalski to you');
  assert.equal(n1.object, 'contact');

  const pipe = await admin.post('/api/v1/pipelines', { name: 'Sales', stages: [{ name: 'New' }, { name: 'Won', kind: 'won' }] });
  assert.equal(pipe.status, 201, pipe.text);
  const deal = await admin.post('/api/v1/deals', { title: '20 chairs', pipeline_id: pipe.json.id, owner_id: boris.id });
  assert.equal(deal.status, 201, deal.text);
  const given = await eventually(transferred(boris, deal.json.id), 5000, 'the deal given to boris');
  assert.equal(given.text, 'Administrator assigned the deal “20 chairs” to you');
  const won = await admin.patch(`/api/v1/deals/${deal.json.id}`, { stage_id: pipe.json.stages.find((x) => x.name === 'Won').id });
  assert.equal(won.status, 200, won.text);
  const n2 = await eventually(async () => (await boris.get('/api/v1/notifications')).json.data
    .find((n) => n.kind === 'deal_won' && n.object_id === deal.json.id), 5000, 'the deal-won notification');
  assert.equal(n2.text, 'Administrator moved the deal “20 chairs” to won');

  // a handover of many records in one request is told once, as a count
  const mover = await userClient(srv, admin, { name: 'Mover' });
  for (let i = 0; i < 3; i++) await admin.post('/api/v1/contacts', { first_name: `Bulk ${i}`, owner_id: mover.id });
  const re = await admin.post('/api/v1/reassign', { from_user_id: mover.id, to_user_id: boris.id, objects: ['contacts'] });
  assert.equal(re.status, 200, re.text);
  const bulk = await eventually(async () => (await boris.get('/api/v1/notifications')).json.data
    .find((n) => n.text === 'Administrator transferred 3 clients to you'), 5000, 'the bulk handover');
  assert.equal(bulk.object_id, null);

  // a user's own handover does not notify them; nothing is told twice, not even after a restart
  const mine = (await anna.post('/api/v1/contacts', { first_name: 'Own', last_name: 'Card' })).json;
  await srv.restart();
  await new Promise((r) => setTimeout(r, 1500));
  const all = (await anna.get('/api/v1/notifications?limit=500')).json.data;
  assert.equal(all.filter((n) => n.kind === 'transferred' && n.object_id === card.id).length, 1);
  assert.ok(!all.some((n) => n.object === 'contact' && n.object_id === mine.id));
});

test('the list pages newest first with a cursor and refuses bad arguments', async () => {
  for (let i = 0; i < 5; i++) await assign(boris, `Paged ${i}`);
  const p1 = await boris.get('/api/v1/notifications?limit=2');
  assert.equal(p1.json.data.length, 2);
  assert.ok(p1.json.data[0].id > p1.json.data[1].id);
  const p2 = await boris.get(`/api/v1/notifications?limit=2&after=${p1.json.next}`);
  assert.ok(p2.json.data[0].id < p1.json.data[1].id);
  for (const bad of ['limit=0', 'limit=501', 'limit=x', 'after=-1', 'after=abc', 'unread=maybe']) {
    const r = await boris.get(`/api/v1/notifications?${bad}`);
    assert.equal(r.status, 422, bad);
  }
  assert.equal((await boris.post('/api/v1/notifications/read-all', { up_to: 'all' })).status, 422);
});

test('the event stream delivers a notification live, only to its user', async () => {
  const sa = await openStream(anna);
  const sb = await openStream(boris);
  assert.equal(sa.status, 200);
  assert.match(sa.headers.get('content-type'), /^text\/event-stream/);
  assert.equal(sa.headers.get('cache-control'), 'no-store');
  await eventually(() => sa.comments.includes('connected'), 2000, 'the hello comment');
  assert.equal(sa.retry, 3000);
  const t0 = Date.now();
  const t = await assign(anna, 'Live task');
  const ev = await sa.waitFor((e) => e.data.object_id === t.json.id, 3000);
  assert.ok(Date.now() - t0 < 2000, `delivered in ${Date.now() - t0} ms`);
  assert.equal(ev.event, 'notification');
  assert.equal(ev.data.kind, 'assigned');
  assert.equal(ev.id, String(ev.data.id), 'the event id is the notification id');
  await sleep(600);
  assert.ok(!sb.events.some((e) => e.data.object_id === t.json.id), 'boris does not get anna\'s');
  sa.close();
  sb.close();
});

test('a reconnecting browser gets what it missed with Last-Event-ID, once and in order', async () => {
  const s1 = await openStream(anna);
  const first = await assign(anna, 'Before the drop');
  const e1 = await s1.waitFor((e) => e.data.object_id === first.json.id);
  s1.close();
  const missed = [];
  for (let i = 0; i < 3; i++) missed.push((await assign(anna, `Missed ${i}`)).json.id);
  const s2 = await openStream(anna, { 'last-event-id': e1.id });
  await s2.waitFor((e) => e.data.object_id === missed[2]);
  await sleep(400);
  const got = s2.events.map((e) => e.data.object_id);
  assert.deepEqual(got, missed);
  const ids = s2.events.map((e) => Number(e.id));
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
  // a junk Last-Event-ID is ignored: the stream starts from now
  const s3 = await openStream(anna, { 'last-event-id': 'drop table' });
  assert.equal(s3.status, 200);
  await sleep(400);
  assert.equal(s3.events.length, 0);
  s2.close();
  s3.close();
});

test('fifty streams of two users each get their own notification', async () => {
  const streams = await Promise.all(Array.from({ length: 50 }, (_, i) => openStream(i % 2 ? boris : anna)));
  assert.ok(streams.every((s) => s.status === 200), streams.map((s) => s.status).join());
  const tb = await assign(boris, 'Broadcast to Boris');
  const ta = await assign(anna, 'Broadcast to Anna');
  await Promise.all(streams.map((s, i) => s.waitFor((e) => e.data.object_id === (i % 2 ? tb : ta).json.id, 5000)));
  assert.ok(streams.every((s, i) => !s.events.some((e) => e.data.object_id === (i % 2 ? ta : tb).json.id)));
  streams.forEach((s) => s.close());
});

test('the stream needs a login and refuses a flood of streams from one user', async () => {
  const anon = await fetch(`${srv.url}/api/v1/events`);
  assert.equal(anon.status, 401);
  assert.equal(anon.headers.get('content-type'), 'application/problem+json');
  const carol = await userClient(srv, admin, { name: 'Carol' });
  const open = [];
  for (let i = 0; i < 32; i++) open.push(await openStream(carol));
  assert.ok(open.every((s) => s.status === 200));
  const extra = await openStream(carol);
  assert.equal(extra.status, 429);
  assert.match(extra.text, /too_many_streams/);
  open.forEach((s) => s.close());
  // a closed stream is noticed at once and makes room again
  open[0].close();
  const again = await eventually(async () => { const s = await openStream(carol); return s.status === 200 && s; }, 3000, 'a free stream slot');
  again.close();
});

test('a reminder fires within 5 s of remind_at, on the stream and in the list, and only for planned ones', async () => {
  const s = await openStream(anna);
  const remindAt = fromNow(2);
  const due = await assign(anna, 'Reminded task', { remind_at: remindAt });
  const cancelled = await assign(anna, 'Cancelled before', { remind_at: fromNow(2) });
  await admin.post(`/api/v1/activities/${cancelled.json.id}/cancel`, {});
  const done = await assign(anna, 'Done before', { remind_at: fromNow(2) });
  await admin.post(`/api/v1/activities/${done.json.id}/complete`, {});
  const ev = await s.waitFor((e) => e.data.kind === 'reminder' && e.data.object_id === due.json.id, 8000);
  const lag = (Date.parse(ev.data.created_at) - Date.parse(remindAt)) / 1000;
  assert.ok(lag >= 0 && lag <= 5, `fired ${lag} s after remind_at`);
  assert.match(ev.data.text, /^Reminder: task: Reminded task, due /);
  const a = (await anna.get(`/api/v1/activities/${due.json.id}`)).json;
  assert.ok(a.reminded_at);
  await sleep(1500);
  const list = (await anna.get('/api/v1/notifications?limit=500')).json.data.filter((n) => n.kind === 'reminder');
  assert.deepEqual(list.map((n) => n.object_id).filter((id) => [due.json.id, cancelled.json.id, done.json.id].includes(id)), [due.json.id]);
  s.close();
});

test('reminders survive a restart: due while down fires at start, nothing fires twice; streams end cleanly on stop', async () => {
  const fired = await assign(boris, 'Fired before restart', { remind_at: fromNow(1) });
  await eventually(async () => (await boris.get(`/api/v1/activities/${fired.json.id}`)).json.reminded_at, 6000, 'the first reminder');
  const whileDown = await assign(boris, 'Due while down', { remind_at: fromNow(3) });
  const afterStart = await assign(boris, 'Due after start', { remind_at: fromNow(9) });
  const streams = await Promise.all([openStream(boris), openStream(anna), openStream(admin)]);

  const t0 = Date.now();
  const st = await srv.halt();
  assert.equal(st.code, 0, srv.stderr.slice(-2000));
  assert.ok(Date.now() - t0 < 3000, `stopped in ${Date.now() - t0} ms with open streams`);
  assert.deepEqual(await Promise.all(streams.map((s) => s.ended)), ['end', 'end', 'end'], 'each stream ended cleanly');
  await sleep(3500);   // "Due while down" comes due while the server is stopped
  await srv.launch();
  const launched = Date.now();
  const remindersFor = async (id) => (await boris.get('/api/v1/notifications?limit=500')).json.data
    .filter((n) => n.kind === 'reminder' && n.object_id === id);
  await eventually(async () => (await remindersFor(whileDown.json.id)).length === 1, 5000, 'the reminder missed while down');
  assert.ok(Date.now() - launched < 5000);
  const late = await eventually(async () => (await remindersFor(afterStart.json.id))[0], 10000, 'the reminder after start');
  const lag = (Date.parse(late.created_at) - Date.parse(afterStart.json.remind_at)) / 1000;
  assert.ok(lag >= 0 && lag <= 5, `fired ${lag} s after remind_at`);

  await srv.restart();
  await sleep(2500);
  for (const a of [fired, whileDown, afterStart])
    assert.equal((await remindersFor(a.json.id)).length, 1, `${a.json.subject} fired exactly once`);

  // a postponed reminder is armed again and fires once more
  const moved = await boris.post(`/api/v1/activities/${fired.json.id}/postpone`, { due_at: fromNow(86400 * 2), remind_at: fromNow(1) });
  assert.equal(moved.status, 200, moved.text);
  await eventually(async () => (await remindersFor(fired.json.id)).length === 2, 6000, 'the re-armed reminder');
});
