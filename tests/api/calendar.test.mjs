// The calendar: a user's or a team's week, overdue and today lists (time zones), the
// agenda of a head of sales, role scopes on all of them, and the iCalendar feed read back
// by libical (tests/tools/ical_check.c) and by a strict line-level reading of RFC 5545.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient, userClient } from './lib.mjs';
import { checked } from './openapi.mjs';
import { fromNow, icalCheck } from './activities_lib.mjs';

let srv, admin, head, anna, boris, cyril, north, south;
const q = encodeURIComponent;

before(async () => {
  srv = await startServer();
  admin = checked(await adminClient(srv));
  north = (await admin.post('/api/v1/teams', { name: 'North' })).json.id;
  south = (await admin.post('/api/v1/teams', { name: 'South' })).json.id;
  head = checked(await userClient(srv, admin, { role: 'head', name: 'Helena Head' }));
  anna = checked(await userClient(srv, admin, { team_ids: [north], name: 'Anna North' }));
  boris = checked(await userClient(srv, admin, { team_ids: [north], name: 'Boris North' }));
  cyril = checked(await userClient(srv, admin, { team_ids: [south], name: 'Cyril South' }));
});
after(async () => { await srv.stop(); });

const make = async (c, body) => {
  const r = await c.post('/api/v1/activities', body);
  assert.equal(r.status, 201, r.text);
  return r.json;
};
const ids = (r) => r.json.data.map((x) => x.id);

test('a week of one manager: sorted by due time, cancelled left out, a meeting running into the week kept', async () => {
  const mon = await make(anna, { kind: 'call', subject: 'Mon call', due_at: '2030-04-08T09:00:00Z' });
  const wed = await make(anna, { kind: 'meeting', subject: 'Wed meeting', due_at: '2030-04-10T13:00:00Z', end_at: '2030-04-10T14:00:00Z' });
  const tue = await make(anna, { kind: 'task', subject: 'Tue task', due_at: '2030-04-09T08:00:00Z' });
  const overnight = await make(anna, { kind: 'meeting', subject: 'Overnight', due_at: '2030-04-07T22:00:00Z', end_at: '2030-04-08T02:00:00Z' });
  await make(anna, { kind: 'task', subject: 'Sunday before', due_at: '2030-04-07T10:00:00Z' });
  await make(anna, { kind: 'task', subject: 'Next Monday', due_at: '2030-04-15T00:00:00Z' });
  const gone = await make(anna, { kind: 'call', subject: 'Cancelled', due_at: '2030-04-11T10:00:00Z' });
  await anna.post(`/api/v1/activities/${gone.id}/cancel`, {});
  await make(boris, { kind: 'call', subject: 'Boris call', due_at: '2030-04-09T10:00:00Z' });

  const week = await anna.get('/api/v1/calendar?from=2030-04-08&to=2030-04-14');
  assert.equal(week.status, 200, week.text);
  assert.deepEqual(ids(week), [overnight.id, mon.id, tue.id, wed.id]);
  const withCancelled = await anna.get('/api/v1/calendar?from=2030-04-08&to=2030-04-14&status=cancelled');
  assert.deepEqual(ids(withCancelled), [gone.id]);
  const exact = await anna.get(`/api/v1/calendar?from=${q('2030-04-09T00:00:00Z')}&to=${q('2030-04-10T13:00:00Z')}`);
  assert.deepEqual(ids(exact), [tue.id], 'an RFC 3339 end is excluded');
  const paged = await anna.get('/api/v1/calendar?from=2030-04-08&to=2030-04-14&limit=2');
  assert.equal(paged.json.data.length, 2);
  const rest = await anna.get(`/api/v1/calendar?from=2030-04-08&to=2030-04-14&limit=2&after=${paged.json.next}`);
  assert.deepEqual([...ids(paged), ...ids(rest)], [overnight.id, mon.id, tue.id, wed.id]);
});

test('team and everyone views follow role scopes', async () => {
  const c = await make(cyril, { kind: 'call', subject: 'Cyril call', due_at: '2030-04-09T11:00:00Z' });
  const team = await anna.get(`/api/v1/calendar?from=2030-04-08&to=2030-04-14&team=${north}`);
  const subjects = team.json.data.map((x) => x.subject);
  assert.ok(subjects.includes('Boris call') && subjects.includes('Mon call'));
  assert.ok(!subjects.includes('Cyril call'));
  // a manager asking for another team's person sees nothing of it
  const other = await anna.get(`/api/v1/calendar?from=2030-04-08&to=2030-04-14&user=${cyril.id}`);
  assert.equal(other.status, 200);
  assert.deepEqual(ids(other), []);
  const southTeam = await anna.get(`/api/v1/calendar?from=2030-04-08&to=2030-04-14&team=${south}`);
  assert.deepEqual(ids(southTeam), []);
  // the head sees everyone
  const all = await head.get('/api/v1/calendar?from=2030-04-08&to=2030-04-14&user=all');
  assert.ok(ids(all).includes(c.id));
  assert.ok(all.json.data.some((x) => x.subject === 'Mon call'));
  const hisWeek = await head.get(`/api/v1/calendar?from=2030-04-08&to=2030-04-14&user=${cyril.id}`);
  assert.deepEqual(ids(hisWeek), [c.id]);
});

test('a manager sees tasks assigned to them on a colleague\'s client, not the client beyond the role', async () => {
  const card = await cyril.post('/api/v1/contacts', { first_name: 'South', last_name: 'Client' });
  assert.equal(card.status, 201, card.text);
  const task = await make(head, { kind: 'task', subject: 'Help Cyril with his client', assignee_id: anna.id, contact_id: card.json.id, due_at: '2030-04-12T09:00:00Z' });
  // anna: the task is hers — in her list and calendar, and she may complete it
  assert.equal((await anna.get(`/api/v1/activities/${task.id}`)).status, 200);
  assert.ok(ids(await anna.get('/api/v1/calendar?from=2030-04-08&to=2030-04-14')).includes(task.id));
  // ... but the client card stays out of reach, timeline included
  assert.equal((await anna.get(`/api/v1/contacts/${card.json.id}`)).status, 404);
  assert.equal((await anna.get(`/api/v1/contacts/${card.json.id}/timeline`)).status, 404);
  // and she cannot attach her own activities to it
  const attach = await anna.post('/api/v1/activities', { kind: 'note', body: 'x', contact_id: card.json.id });
  assert.equal(attach.status, 422);
  assert.equal(attach.json.errors[0].field, 'contact_id');
  // boris (same team) reads her task but may not change it; cyril (other team) does not see it
  assert.equal((await boris.get(`/api/v1/activities/${task.id}`)).status, 200);
  assert.equal((await boris.post(`/api/v1/activities/${task.id}/complete`, {})).status, 403);
  assert.equal((await boris.patch(`/api/v1/activities/${task.id}`, { subject: 'mine now' })).status, 403);
  assert.equal((await cyril.get(`/api/v1/activities/${task.id}`)).status, 404);
  assert.equal((await cyril.post(`/api/v1/activities/${task.id}/complete`, {})).status, 404);
  // the card's owner sees the whole history of his card, work of others included, but
  // cannot open or change the activity itself
  const tl = await cyril.get(`/api/v1/contacts/${card.json.id}/timeline`);
  assert.equal(tl.status, 200);
  assert.ok(tl.json.data.some((x) => x.kind === 'activity' && x.id === task.id && x.assignee_id === anna.id));
  // the head sees the activity on the card
  const htl = await head.get(`/api/v1/contacts/${card.json.id}/timeline`);
  assert.ok(htl.json.data.some((x) => x.kind === 'activity' && x.id === task.id));
  const done = await anna.post(`/api/v1/activities/${task.id}/complete`, { result: 'Helped' });
  assert.equal(done.status, 200, done.text);
});

test('a role without activity scope sees no calendar, no feed and no activities on timelines', async () => {
  const role = await admin.post('/api/v1/roles', { name: 'no-activities', scopes: { users: { read: 'all' }, contacts: 'all' } });
  assert.equal(role.status, 201, role.text);
  const nobody = await userClient(srv, admin, { role: 'no-activities', name: 'Nobody' });
  const card = (await admin.post('/api/v1/contacts', { first_name: 'Timeline', last_name: 'Only' })).json;
  await make(admin, { kind: 'note', body: 'secret note', contact_id: card.id });
  const tl = await nobody.get(`/api/v1/contacts/${card.id}/timeline`);
  assert.equal(tl.status, 200, tl.text);
  assert.ok(!tl.json.data.some((x) => x.kind === 'activity'));
  assert.equal((await nobody.get('/api/v1/calendar?from=2030-04-08&to=2030-04-14')).status, 403);
  assert.equal((await nobody.get('/api/v1/calendar/overdue')).status, 403);
  const feed = await nobody.get('/api/v1/calendar/feed');
  assert.equal((await fetch(feed.json.url)).status, 404);
});

test('calendar arguments are checked', async () => {
  const bad = [
    ['', 'from'], ['from=2030-04-08', 'to'], ['from=2030-04-08&to=2030-04-01', 'to'],
    ['from=2030-01-01&to=2030-12-31', 'to'], ['from=2030-04-08&to=2030-04-14&tz=Mars/Olympus', 'tz'],
    ['from=2030-04-08&to=2030-04-14&tz=../../etc/passwd', 'tz'], ['from=99999-01-01&to=2030-04-14', 'from'],
    ['from=2030-02-30&to=2030-03-02', 'from'], ['from=2030-04-08&to=2030-04-14&user=x', 'user'],
    ['from=2030-04-08&to=2030-04-14&user=99999', 'user'], ['from=2030-04-08&to=2030-04-14&team=99999', 'team'],
    [`from=2030-04-08&to=2030-04-14&team=${north}&user=me`, 'team'], ['from=2030-04-08&to=2030-04-14&limit=0', 'limit'],
  ];
  for (const [args, field] of bad) {
    const r = await anna.get(`/api/v1/calendar?${args}`);
    assert.equal(r.status, 422, `${args}: ${r.text}`);
    assert.ok(r.json.errors.some((e) => e.field === field), `${args}: ${JSON.stringify(r.json.errors)}`);
  }
});

test('today in a time zone and the overdue list', async () => {
  // 2030-01-15 in Warsaw (UTC+1) is 2030-01-14T23:00Z .. 2030-01-15T23:00Z
  const early = await make(boris, { kind: 'task', subject: 'Warsaw morning', due_at: '2030-01-14T23:30:00Z' });
  await make(boris, { kind: 'task', subject: 'Warsaw next day', due_at: '2030-01-15T23:30:00Z' });
  const r = await boris.get('/api/v1/calendar/today?date=2030-01-15&tz=Europe/Warsaw');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(ids(r), [early.id]);
  const utc = await boris.get('/api/v1/calendar/today?date=2030-01-15');
  assert.deepEqual(utc.json.data.map((x) => x.subject), ['Warsaw next day']);
  assert.equal((await boris.get('/api/v1/calendar/today?date=2030-13-01')).status, 422);

  const late = await make(boris, { kind: 'call', subject: 'Late call', due_at: fromNow(-7200) });
  const lateDone = await make(boris, { kind: 'call', subject: 'Late but done', due_at: fromNow(-3600) });
  await boris.post(`/api/v1/activities/${lateDone.id}/complete`, {});
  await make(boris, { kind: 'call', subject: 'Future call', due_at: fromNow(3600) });
  const overdue = await boris.get('/api/v1/calendar/overdue');
  assert.deepEqual(overdue.json.data.map((x) => x.subject), ['Late call']);
  const today = await boris.get('/api/v1/calendar/today');
  assert.ok(today.json.data.length >= 1);
  const teamOverdue = await head.get(`/api/v1/calendar/overdue?team=${north}`);
  assert.ok(ids(teamOverdue).includes(late.id));
});

test('the agenda counts overdue and today per manager of a team', async () => {
  await make(anna, { kind: 'task', subject: 'Anna overdue 1', due_at: fromNow(-600) });
  await make(anna, { kind: 'task', subject: 'Anna overdue 2', due_at: fromNow(-1200) });
  const r = await head.get(`/api/v1/calendar/agenda?team=${north}`);
  assert.equal(r.status, 200, r.text);
  const byName = Object.fromEntries(r.json.data.map((x) => [x.name, x]));
  assert.deepEqual(Object.keys(byName), ['Anna North', 'Boris North']);
  assert.equal(byName['Anna North'].overdue, 2);
  assert.equal(byName['Boris North'].overdue, 1);
  assert.ok(r.json.day_start < r.json.day_end);
  // a manager's agenda of another team counts nothing they cannot see
  const other = await anna.get(`/api/v1/calendar/agenda?team=${south}`);
  assert.ok(other.json.data.every((x) => x.overdue === 0 && x.today === 0));
});

// RFC 5545 at the level of lines: CRLF endings, folding at 75 octets without cutting a
// UTF-8 character, no control characters, balanced BEGIN/END
function checkLines(text) {
  assert.ok(text.endsWith('\r\n'), 'the file ends with CRLF');
  assert.ok(!/[^\r]\n/.test(text), 'every line ends with CRLF');
  const raw = Buffer.from(text, 'utf8');
  let start = 0;
  const stack = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== 0x0d) continue;
    const line = raw.subarray(start, i);
    assert.ok(line.length <= 75, `line longer than 75 octets: ${line.toString()}`);
    assert.doesNotThrow(() => new TextDecoder('utf-8', { fatal: true }).decode(line), `a line cuts a UTF-8 character: ${line.toString('hex')}`);
    assert.ok(!/[\x00-\x08\x0a-\x1f\x7f]/.test(line.toString()), `control character in ${JSON.stringify(line.toString())}`);
    const s = line.toString();
    if (s.startsWith('BEGIN:')) stack.push(s.slice(6));
    if (s.startsWith('END:')) assert.equal(stack.pop(), s.slice(4));
    start = i + 2;
  }
  assert.equal(stack.length, 0);
}

test('the iCalendar feed: a secret public address, valid RFC 5545 read back by libical', async () => {
  const due = fromNow(86400 * 3);
  const meeting = await make(anna, {
    kind: 'meeting', subject: 'Meeting, Acme; R&D \\ "budget"\nsecond line', body: 'Zażółć gęślą jaźń — Привет, мир! 🎉 '.repeat(8),
    due_at: due, end_at: fromNow(86400 * 3 + 5400), remind_at: fromNow(86400 * 3 - 900), location: 'Łódź, ul. Piotrkowska 1',
  });
  const call = await make(anna, { kind: 'call', subject: 'Call with control \u0001\u0007 chars', due_at: fromNow(86400 * 4), phone: '+48601234567', duration: 600 });
  const task = await make(anna, { kind: 'task', subject: 'Done task', due_at: fromNow(-86400) });
  await anna.post(`/api/v1/activities/${task.id}/complete`, { result: 'ok' });
  const cancelled = await make(anna, { kind: 'call', subject: 'Called off', due_at: fromNow(86400 * 5) });
  await anna.post(`/api/v1/activities/${cancelled.id}/cancel`, {});
  const borisOwn = await make(boris, { kind: 'call', subject: 'Not in Anna\'s feed', due_at: fromNow(86400) });

  const feed = await anna.get('/api/v1/calendar/feed');
  assert.equal(feed.status, 200, feed.text);
  assert.match(feed.json.url, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/calendar\/feed\/[A-Za-z0-9_-]{40,}\.ics$/);
  assert.equal(feed.json.webcal_url, feed.json.url.replace('http://', 'webcal://'));
  assert.match(feed.json.message, /Google Calendar/);
  assert.equal((await anna.get('/api/v1/calendar/feed')).json.url, feed.json.url, 'the address is stable');

  const res = await fetch(feed.json.url);   // no cookie, no token: the address is the key
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/calendar; charset=utf-8');
  const text = await res.text();
  checkLines(text);
  const cal = icalCheck(text);
  assert.deepEqual(cal.errors, [], text.slice(0, 2000));
  assert.equal(cal.calendar.VERSION, '2.0');
  assert.equal(cal.calendar.METHOD, 'PUBLISH');
  assert.equal(cal.calendar['X-WR-CALNAME'], 'Kartoteka: Anna North');
  const byUid = Object.fromEntries(cal.events.map((e) => [e.UID, e]));
  assert.ok(!byUid[`activity-${borisOwn.id}@kartoteka`], 'only the user\'s own activities');

  const m = byUid[`activity-${meeting.id}@kartoteka`];
  assert.equal(m.SUMMARY, 'Meeting, Acme; R&D \\ "budget"\nsecond line', 'escaping round-trips');
  assert.equal(m.DTSTART, due);
  assert.equal(m.DTEND, meeting.end_at);
  assert.equal(m.LOCATION, 'Łódź, ul. Piotrkowska 1');
  assert.equal(m.ORGANIZER, `mailto:${anna.user.email}`);
  assert.ok(m.DESCRIPTION.includes('Zażółć gęślą jaźń — Привет, мир! 🎉'));
  assert.equal(m.STATUS, 'CONFIRMED');
  assert.equal(m.SEQUENCE, 1);
  assert.deepEqual(m.ALARMS, [meeting.remind_at]);
  const c = byUid[`activity-${call.id}@kartoteka`];
  assert.equal(c.SUMMARY, 'Call with control    chars', 'control characters become spaces');
  assert.equal(Date.parse(c.DTEND) - Date.parse(c.DTSTART), 600000, 'a call lasts its duration');
  assert.ok(c.DESCRIPTION.includes('+48601234567'));
  const t = byUid[`activity-${task.id}@kartoteka`];
  assert.equal(t.SUMMARY, 'Done: Done task');
  assert.deepEqual(t.ALARMS, []);
  assert.equal(byUid[`activity-${cancelled.id}@kartoteka`].STATUS, 'CANCELLED');

  // a postponed meeting moves in the subscriber's calendar: same UID, higher SEQUENCE
  await anna.post(`/api/v1/activities/${meeting.id}/postpone`, { due_at: fromNow(86400 * 6) });
  const again = icalCheck(await (await fetch(feed.json.url)).text());
  const m2 = again.events.find((e) => e.UID === `activity-${meeting.id}@kartoteka`);
  assert.ok(m2.SEQUENCE > m.SEQUENCE);
  assert.ok(m2.DTSTART > m.DTSTART);
});

test('the feed address can be replaced or switched off; wrong addresses find nothing', async () => {
  const old = (await boris.get('/api/v1/calendar/feed')).json.url;
  assert.equal((await fetch(old)).status, 200);
  const fresh = await boris.post('/api/v1/calendar/feed/reset');
  assert.equal(fresh.status, 200);
  assert.notEqual(fresh.json.url, old);
  assert.match(fresh.json.message, /old one has stopped working/);
  assert.equal((await fetch(old)).status, 404);
  assert.equal((await fetch(fresh.json.url)).status, 200);
  const off = await boris.del('/api/v1/calendar/feed');
  assert.equal(off.status, 200);
  assert.match(off.json.message, /switched off/);
  assert.equal((await fetch(fresh.json.url)).status, 404);
  for (const junk of ['x.ics', `${'a'.repeat(43)}.ics`, `${'a'.repeat(500)}`, '..%2F..%2Fetc%2Fpasswd', "'%20OR%201=1--.ics"])
    assert.equal((await fetch(`${srv.url}/api/v1/calendar/feed/${junk}`)).status, 404, junk);
  const nul = await fetch(`${srv.url}/api/v1/calendar/feed/%00%00`);   // the path ends at the NUL: the logged-in address
  assert.equal(nul.status, 401);
  // a disabled user's feed goes dark
  const url = (await cyril.get('/api/v1/calendar/feed')).json.url;
  assert.equal((await fetch(url)).status, 200);
  assert.equal((await admin.patch(`/api/v1/users/${cyril.id}`, { disabled: true })).status, 200);
  assert.equal((await fetch(url)).status, 404);
});
