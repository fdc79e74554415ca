// Activities: scheduling a call, completing it with the next step in one transaction,
// postponing and cancelling, the plain-language confirmations, If-Match and retries, the
// timeline of a client card, full-text search, and hostile input of every kind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient, userClient } from './lib.mjs';
import { checked } from './openapi.mjs';
import { fromNow } from './activities_lib.mjs';

let srv, admin, anna;

before(async () => {
  srv = await startServer();
  admin = checked(await adminClient(srv));
  anna = checked(await userClient(srv, admin, { name: 'Anna Nowak' }));
});
after(async () => { await srv.stop(); });

const count = async (c, q = '') => (await c.get(`/api/v1/activities?count=true&limit=1${q}`)).json.count;

test('a call is scheduled for a time, with a reminder, a phone in E.164 and a confirmation', async () => {
  const r = await admin.post('/api/v1/activities', {
    kind: 'call', subject: 'Call Jan about the offer', due_at: '2030-05-08T12:00:00+02:00', remind_at: '2030-05-08T11:45:00+02:00',
    phone: '+48 22 123 45 67', direction: 'outbound', assignee_id: anna.id,
  });
  assert.equal(r.status, 201, r.text);
  assert.match(r.headers.get('location'), new RegExp(`/api/v1/activities/${r.json.id}$`));
  assert.equal(r.json.status, 'planned');
  assert.equal(r.json.due_at, '2030-05-08T10:00:00Z', 'stored in UTC');
  assert.equal(r.json.remind_at, '2030-05-08T09:45:00Z');
  assert.equal(r.json.phone, '+48 22 123 45 67', 'as typed');
  assert.equal(r.json.phone_e164, '+48221234567');
  assert.equal(r.json.done_at, null);
  assert.equal(r.json.assignee_id, anna.id);
  assert.equal(r.json.message, 'The call “Call Jan about the offer” is planned for Wed 08 May 2030 10:00 UTC, assigned to Anna Nowak, with a reminder at Wed 08 May 2030 09:45 UTC.');
  // the assignee sees it and was told
  const got = await anna.get(`/api/v1/activities/${r.json.id}`);
  assert.equal(got.status, 200);
  assert.equal(got.headers.get('etag'), '"1"');
  const notes = await anna.get('/api/v1/notifications');
  assert.ok(notes.json.data.some((n) => n.kind === 'assigned' && n.object === 'activity' && n.object_id === r.json.id &&
    n.text.includes('Call Jan about the offer') && n.text.includes('Wed 08 May 2030 10:00 UTC')), notes.text);
});

test('an activity without an assignee is the creator\'s; notes are done when written', async () => {
  const t = await anna.post('/api/v1/activities', { kind: 'task', subject: 'Prepare the contract' });
  assert.equal(t.status, 201, t.text);
  assert.equal(t.json.assignee_id, anna.id);
  assert.equal(t.json.message, 'The task “Prepare the contract” is planned without a due time.');
  const n = await anna.post('/api/v1/activities', { kind: 'note', body: 'Client prefers mornings.' });
  assert.equal(n.status, 201, n.text);
  assert.equal(n.json.status, 'done');
  assert.ok(n.json.done_at);
  assert.equal(n.json.message, 'The note is saved.');
  const logged = await anna.post('/api/v1/activities', {
    kind: 'call', subject: 'Inbound call', direction: 'inbound', done_at: fromNow(-60), duration: 95, outcome: 'answered',
    recording_url: 'https://pbx.example/rec/1.mp3',
  });
  assert.equal(logged.status, 201, logged.text);
  assert.equal(logged.json.status, 'done');
  assert.equal(logged.json.message, 'The call “Inbound call” is logged as done.');
});

test('complete with a result plans the next step in the same transaction', async () => {
  const call = (await anna.post('/api/v1/activities', { kind: 'call', subject: 'First call', due_at: fromNow(3600), phone: '+48 601 234 567' })).json;
  const r = await anna.post(`/api/v1/activities/${call.id}/complete`, {
    result: 'Interested, wants a quote', outcome: 'answered', duration: 300,
    next: { due_at: '2030-05-10T09:00:00Z', subject: 'Call back on Friday', remind_at: '2030-05-10T08:45:00Z' },
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'done');
  assert.equal(r.json.result, 'Interested, wants a quote');
  assert.equal(r.json.outcome, 'answered');
  assert.ok(r.json.done_at);
  assert.equal(r.json.version, 2);
  const next = r.json.next;
  assert.equal(next.kind, 'call', 'the kind is inherited');
  assert.equal(next.status, 'planned');
  assert.equal(next.assignee_id, anna.id);
  assert.equal(next.due_at, '2030-05-10T09:00:00Z');
  assert.equal(r.json.message, 'Done: the call “First call”. Next: the call “Call back on Friday”, planned for Fri 10 May 2030 09:00 UTC, with a reminder at Fri 10 May 2030 08:45 UTC.');
  assert.equal((await anna.get(`/api/v1/activities/${next.id}`)).status, 200);

  // completing twice is refused, and says why
  const again = await anna.post(`/api/v1/activities/${call.id}/complete`, { result: 'again' });
  assert.equal(again.status, 409);
  assert.equal(again.json.code, 'invalid_state');
  assert.match(again.json.detail, /already done/);
});

test('a bad next step leaves the completed one planned and creates nothing', async () => {
  const call = (await anna.post('/api/v1/activities', { kind: 'call', subject: 'Atomic call', due_at: fromNow(600) })).json;
  const before = await count(anna);
  const r = await anna.post(`/api/v1/activities/${call.id}/complete`, { result: 'ok', next: { due_at: '99999-01-01T00:00:00Z' } });
  assert.equal(r.status, 422, r.text);
  assert.deepEqual(r.json.errors.map((e) => [e.field, e.code]), [['next.due_at', 'invalid_time']]);
  const now = (await anna.get(`/api/v1/activities/${call.id}`)).json;
  assert.equal(now.status, 'planned');
  assert.equal(now.result, null);
  assert.equal(now.version, 1);
  assert.equal(await count(anna), before);
  const badNext = await anna.post(`/api/v1/activities/${call.id}/complete`, { next: 'tomorrow' });
  assert.equal(badNext.status, 422);
  assert.equal(badNext.json.errors[0].field, 'next');
  const status = await anna.post(`/api/v1/activities/${call.id}/complete`, { status: 'cancelled' });
  assert.equal(status.status, 422);
  assert.equal(status.json.errors[0].code, 'read_only');
});

test('If-Match on complete: a stale version is refused and changes nothing', async () => {
  const t = (await anna.post('/api/v1/activities', { kind: 'task', subject: 'Versioned', due_at: fromNow(600) })).json;
  assert.equal((await anna.patch(`/api/v1/activities/${t.id}`, { subject: 'Versioned 2' })).status, 200);
  const stale = await anna.post(`/api/v1/activities/${t.id}/complete`, { result: 'x', next: { subject: 'n' } }, { 'if-match': '"1"' });
  assert.equal(stale.status, 412);
  assert.equal((await anna.get(`/api/v1/activities/${t.id}`)).json.status, 'planned');
  const ok = await anna.post(`/api/v1/activities/${t.id}/complete`, { result: 'x' }, { 'if-match': '"2"' });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.next, null);
  assert.equal(ok.json.message, 'Done: the task “Versioned”.'.replace('Versioned', 'Versioned 2'));
});

test('a retried complete with the same Idempotency-Key plans the next step once', async () => {
  const t = (await anna.post('/api/v1/activities', { kind: 'task', subject: 'Retry me', due_at: fromNow(600) })).json;
  const before = await count(anna);
  const body = { result: 'done', next: { subject: 'Follow-up', due_at: fromNow(7200) } };
  const h = { 'idempotency-key': `complete-${t.id}` };
  const a = await anna.post(`/api/v1/activities/${t.id}/complete`, body, h);
  const b = await anna.post(`/api/v1/activities/${t.id}/complete`, body, h);
  assert.equal(a.status, 200, a.text);
  assert.equal(b.status, 200, b.text);
  assert.equal(b.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(b.json, a.json);
  assert.equal(await count(anna), before + 1);
});

test('postpone moves the end and the reminder with the start and re-arms the reminder', async () => {
  const m = (await anna.post('/api/v1/activities', {
    kind: 'meeting', subject: 'Demo', due_at: '2030-03-02T10:00:00Z', end_at: '2030-03-02T11:30:00Z', remind_at: '2030-03-02T09:30:00Z', location: 'Office',
  })).json;
  const r = await anna.post(`/api/v1/activities/${m.id}/postpone`, { due_at: '2030-03-05T14:00:00+01:00' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.due_at, '2030-03-05T13:00:00Z');
  assert.equal(r.json.end_at, '2030-03-05T14:30:00Z', 'the meeting keeps its length');
  assert.equal(r.json.remind_at, '2030-03-05T12:30:00Z', 'the reminder keeps its lead');
  assert.equal(r.json.reminded_at, null);
  assert.equal(r.json.message, 'The meeting “Demo” is moved: now planned for Tue 05 Mar 2030 13:00 UTC, with a reminder at Tue 05 Mar 2030 12:30 UTC.');
  const own = await anna.post(`/api/v1/activities/${m.id}/postpone`, { due_at: '2030-03-06T10:00:00Z', remind_at: '2030-03-05T10:00:00Z' });
  assert.equal(own.json.remind_at, '2030-03-05T10:00:00Z', 'a reminder given explicitly wins');
  assert.equal(own.json.end_at, '2030-03-06T11:30:00Z');
  const bad = await anna.post(`/api/v1/activities/${m.id}/postpone`, { due_at: '2030-03-07T10:00:00Z', subject: 'sneaky' });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.errors[0].code, 'unknown_field');
  const none = await anna.post(`/api/v1/activities/${m.id}/postpone`, {});
  assert.equal(none.status, 422);
  assert.equal(none.json.errors[0].field, 'due_at');
  // a move past year 9999 of the followers is refused, not wrapped
  const far = await anna.post(`/api/v1/activities/${m.id}/postpone`, { due_at: '9999-12-31T23:00:00Z' });
  assert.equal(far.status, 422, far.text);
  assert.equal(far.json.errors[0].field, 'end_at');
});

test('cancel keeps the reason; a cancelled one cannot be completed until reopened', async () => {
  const c = (await anna.post('/api/v1/activities', { kind: 'call', subject: 'Maybe', due_at: fromNow(600), remind_at: fromNow(300) })).json;
  const r = await anna.post(`/api/v1/activities/${c.id}/cancel`, { reason: 'Client asked not to call' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'cancelled');
  assert.equal(r.json.result, 'Client asked not to call');
  assert.equal(r.json.done_at, null);
  assert.equal(r.json.message, 'The call “Maybe” is cancelled.');
  const again = await anna.post(`/api/v1/activities/${c.id}/cancel`, {});
  assert.equal(again.status, 409);
  const done = await anna.post(`/api/v1/activities/${c.id}/complete`, {});
  assert.equal(done.status, 409);
  const reopened = await anna.patch(`/api/v1/activities/${c.id}`, { status: 'planned' });
  assert.equal(reopened.status, 200, reopened.text);
  assert.equal(reopened.json.status, 'planned');
  const reason = await anna.post(`/api/v1/activities/${c.id}/cancel`, { reason: 'x'.repeat(5001) });
  assert.equal(reason.status, 422);
  assert.equal(reason.json.errors[0].field, 'reason');
  // status and done_at stay consistent through plain PATCH too
  const p = await anna.patch(`/api/v1/activities/${c.id}`, { status: 'done' });
  assert.ok(p.json.done_at);
  const back = await anna.patch(`/api/v1/activities/${c.id}`, { done_at: null });
  assert.equal(back.json.status, 'planned');
  const wrong = await anna.patch(`/api/v1/activities/${c.id}`, { status: 'cancelled', done_at: fromNow(0) });
  assert.equal(wrong.status, 422);
  assert.equal(wrong.json.errors[0].code, 'not_done');
});

test('hostile input is refused field by field and changes nothing', async () => {
  const before = await count(admin);
  const cases = [
    [{ kind: 'meeting', subject: 'm', due_at: '2030-01-02T10:00:00Z', end_at: '2030-01-02T09:00:00Z' }, 'end_at', 'before_start'],
    [{ kind: 'meeting', subject: 'm', end_at: '2030-01-02T09:00:00Z' }, 'end_at', 'needs_start'],
    [{ kind: 'task', subject: 't', due_at: '99999-01-01T00:00:00Z' }, 'due_at', 'invalid_time'],
    [{ kind: 'task', subject: 't', due_at: '+99999-01-01T00:00:00Z' }, 'due_at', 'invalid_time'],
    [{ kind: 'task', subject: 't', remind_at: '2030-02-30T00:00:00Z' }, 'remind_at', 'invalid_time'],
    [{ kind: 'task', subject: 't', due_at: 1893456000 }, 'due_at', 'invalid_type'],
    [{ kind: 'call', subject: 'c', recording_url: 'javascript:alert(1)' }, 'recording_url', 'invalid_url'],
    [{ kind: 'call', subject: 'c', recording_url: 'JaVaScRiPt:alert(1)' }, 'recording_url', 'invalid_url'],
    [{ kind: 'call', subject: 'c', recording_url: 'data:text/html,<script>1</script>' }, 'recording_url', 'invalid_url'],
    [{ kind: 'call', subject: 'c', recording_url: 'https://x.example/a b' }, 'recording_url', 'invalid_url'],
    [{ kind: 'call', subject: 'c', phone: 'call me maybe' }, 'phone', 'invalid_phone'],
    [{ kind: 'call', subject: 'c', duration: -5 }, 'duration', 'out_of_range'],
    [{ kind: 'call', subject: 'c', duration: 10 ** 12 }, 'duration', 'out_of_range'],
    [{ kind: 'call', subject: 'c', outcome: 'exploded' }, 'outcome', 'invalid_choice'],
    [{ kind: 'task', subject: 't', outcome: 'answered' }, 'outcome', 'not_for_kind'],
    [{ kind: 'note', body: 'n', recording_url: 'https://x.example/r.mp3' }, 'recording_url', 'not_for_kind'],
    [{ kind: 'fax', subject: 'f' }, 'kind', 'invalid_choice'],
    [{ kind: 'task' }, 'subject', 'required'],
    [{ kind: 'task', subject: '   ' }, 'subject', 'required'],
    [{ kind: 'note' }, 'body', 'required'],
    [{ kind: 'task', subject: 'a\u0000b' }, 'subject', 'invalid_text'],
    [{ kind: 'task', subject: 's'.repeat(501) }, 'subject', 'too_long'],
    [{ kind: 'task', subject: 't', assignee_id: 999999 }, 'assignee_id', 'invalid_reference'],
    [{ kind: 'task', subject: 't', assignee_id: 'me' }, 'assignee_id', 'invalid_type'],
    [{ kind: 'task', subject: 't', contact_id: 999999 }, 'contact_id', 'invalid_reference'],
    [{ kind: 'task', subject: 't', status: null }, 'status', 'required'],
    [{ kind: 'task', subject: 't', reminded_at: '2030-01-01T00:00:00Z' }, 'reminded_at', 'read_only'],
    [{ kind: 'task', subject: 't', phone_e164: '+48221234567' }, 'phone_e164', 'read_only'],
    [{ kind: 'task', subject: 't', colour: 'red' }, 'colour', 'unknown_field'],
  ];
  for (const [body, field, code] of cases) {
    const r = await admin.post('/api/v1/activities', body);
    assert.equal(r.status, 422, `${JSON.stringify(body).slice(0, 120)}: ${r.text}`);
    assert.ok(r.json.errors.some((e) => e.field === field && e.code === code),
      `${JSON.stringify(body).slice(0, 120)} -> ${JSON.stringify(r.json.errors)}`);
  }
  assert.equal(await count(admin), before, 'nothing was created');
});

test('a 5 MB note is refused with 422, a body past the limit with 413; 100,000 characters fit', async () => {
  const huge = await admin.post('/api/v1/activities', { kind: 'note', body: 'x'.repeat(5 * 1024 * 1024) });
  assert.equal(huge.status, 422);
  assert.equal(huge.json.errors[0].field, 'body');
  assert.equal(huge.json.errors[0].code, 'too_long');
  const over = await admin.req('POST', '/api/v1/activities', `{"kind":"note","body":"${'y'.repeat(9 * 1024 * 1024)}"}`);
  assert.equal(over.status, 413);
  assert.equal(over.json.code, 'body_too_large');
  const fits = await admin.post('/api/v1/activities', { kind: 'note', body: 'ż'.repeat(100000) });
  assert.equal(fits.status, 201);
  assert.equal(fits.json.body.length, 100000);
  const bad = await admin.req('POST', '/api/v1/activities', Buffer.from('{"kind":"note","body":"\xff\xfe"}', 'latin1'));
  assert.equal(bad.status, 400);
  assert.equal(bad.json.code, 'malformed_json');
  const arr = await admin.req('POST', '/api/v1/activities', '[1,2]');
  assert.equal(arr.status, 422);
});

test('actions on missing or malformed ids answer 404; bodies must be objects', async () => {
  const bodies = { complete: { result: 'r' }, postpone: { due_at: fromNow(60) }, cancel: { reason: 'r' } };
  for (const [a, body] of Object.entries(bodies)) {
    assert.equal((await admin.post(`/api/v1/activities/999999/${a}`, body)).status, 404);
    assert.equal((await admin.post(`/api/v1/activities/abc/${a}`, body)).status, 404);
  }
  const t = (await admin.post('/api/v1/activities', { kind: 'task', subject: 't', due_at: fromNow(60) })).json;
  const r = await admin.req('POST', `/api/v1/activities/${t.id}/complete`, '["done"]');
  assert.equal(r.status, 422);
  assert.equal(r.json.errors[0].code, 'invalid_body');
  assert.equal((await admin.req('POST', `/api/v1/activities/${t.id}/complete`, '"done"')).status, 400);
  const done = await admin.post(`/api/v1/activities/${t.id}/complete`);
  assert.equal(done.status, 200, 'an empty body completes');
});

test('activities show on the client card\'s timeline, newest first, and leave it when deleted', async () => {
  const contact = await anna.post('/api/v1/contacts', { first_name: 'Jan', last_name: 'Kowalski' });
  assert.equal(contact.status, 201, contact.text);
  const cid = contact.json.id;
  const note = (await anna.post('/api/v1/activities', { kind: 'note', body: 'Met at the fair. '.repeat(60), contact_id: cid })).json;
  const call = (await anna.post('/api/v1/activities', {
    kind: 'call', subject: 'Intro call', contact_id: cid, due_at: fromNow(-3600), phone: '+48601234567',
  })).json;
  const done = await anna.post(`/api/v1/activities/${call.id}/complete`, { result: 'Good talk', next: { subject: 'Send the offer', kind: 'email', due_at: fromNow(86400) } });
  assert.equal(done.json.next.contact_id, cid, 'the next step keeps the links');
  const tl = await anna.get(`/api/v1/contacts/${cid}/timeline`);
  assert.equal(tl.status, 200, tl.text);
  const acts = tl.json.data.filter((x) => x.kind === 'activity');
  assert.deepEqual(acts.map((x) => x.id), [done.json.next.id, call.id, note.id]);
  const c = acts.find((x) => x.id === call.id);
  assert.equal(c.type, 'call');
  assert.equal(c.status, 'done');
  assert.equal(c.result, 'Good talk');
  const n = acts.find((x) => x.id === note.id);
  assert.equal(n.body.length, 500);
  assert.equal(n.body_truncated, true);
  // a page at a time, with a cursor
  const p1 = await anna.get(`/api/v1/contacts/${cid}/timeline?limit=1`);
  assert.equal(p1.json.data.length, 1);
  assert.ok(p1.json.next);
  assert.equal((await anna.del(`/api/v1/activities/${note.id}`)).status, 204);
  const after = await anna.get(`/api/v1/contacts/${cid}/timeline`);
  assert.ok(!after.json.data.some((x) => x.kind === 'activity' && x.id === note.id));
  assert.equal((await anna.get(`/api/v1/activities/${note.id}`)).status, 404);
});

test('activities show on a deal\'s and a lead\'s timeline; links to records out of sight are refused', async () => {
  const deal = await anna.post('/api/v1/deals', { title: 'Chairs for the office', amount: 120000, currency: 'PLN' });
  assert.equal(deal.status, 201, deal.text);
  const meeting = (await anna.post('/api/v1/activities', { kind: 'meeting', subject: 'Offer walkthrough', deal_id: deal.json.id, due_at: fromNow(7200) })).json;
  const tl = await anna.get(`/api/v1/deals/${deal.json.id}/timeline`);
  assert.equal(tl.status, 200, tl.text);
  assert.ok(tl.json.data.some((x) => x.kind === 'activity' && x.id === meeting.id && x.type === 'meeting'), tl.text);
  const lead = await anna.post('/api/v1/leads', { channel: 'form', name: 'Web visitor', phone: '+48 601 999 888' });
  assert.equal(lead.status, 201, lead.text);
  const call = await anna.post('/api/v1/activities', { kind: 'call', subject: 'Qualify the lead', lead_id: lead.json.id, due_at: fromNow(600) });
  assert.equal(call.status, 201, call.text);
  // someone else's deal in another team is not a record a manager may attach to
  const stranger = await userClient(srv, admin, { name: 'Stranger' });
  const hidden = await admin.post('/api/v1/deals', { title: 'Hidden deal', owner_id: stranger.id });
  assert.equal(hidden.status, 201, hidden.text);
  const r = await anna.post('/api/v1/activities', { kind: 'task', subject: 'Peek', deal_id: hidden.json.id });
  assert.equal(r.status, 422);
  assert.deepEqual(r.json.errors.map((e) => [e.field, e.code]), [['deal_id', 'invalid_reference']]);
});

test('merging two client cards moves the activities to the survivor; undo moves them back', async () => {
  const keep = (await admin.post('/api/v1/contacts', { first_name: 'Ewa', last_name: 'Nowak' })).json;
  const dup = (await admin.post('/api/v1/contacts', { first_name: 'Ewa', last_name: 'Nowak (old)' })).json;
  const a = (await admin.post('/api/v1/activities', { kind: 'note', body: 'Old card note', contact_id: dup.id })).json;
  const m = await admin.post(`/api/v1/contacts/${keep.id}/merge`, { from_id: dup.id });
  assert.equal(m.status, 200, m.text);
  assert.equal((await admin.get(`/api/v1/activities/${a.id}`)).json.contact_id, keep.id);
  const tl = await admin.get(`/api/v1/contacts/${keep.id}/timeline`);
  assert.ok(tl.json.data.some((x) => x.kind === 'activity' && x.id === a.id));
  const undo = await admin.post(`/api/v1/merges/${m.json.id}/undo`);
  assert.equal(undo.status, 200, undo.text);
  assert.equal((await admin.get(`/api/v1/activities/${a.id}`)).json.contact_id, dup.id);
});

test('reassigning a manager\'s work hands over the planned activities, tells the new one, keeps the done ones', async () => {
  const leaving = await userClient(srv, admin, { name: 'Leaving Manager' });
  const taking = await userClient(srv, admin, { name: 'Taking Manager' });
  const open1 = (await admin.post('/api/v1/activities', { kind: 'call', subject: 'Open 1', assignee_id: leaving.id, due_at: fromNow(3600) })).json;
  const open2 = (await admin.post('/api/v1/activities', { kind: 'task', subject: 'Open 2', assignee_id: leaving.id, due_at: fromNow(7200) })).json;
  const done = (await admin.post('/api/v1/activities', { kind: 'call', subject: 'Done', assignee_id: leaving.id, done_at: fromNow(-60) })).json;
  const r = await admin.post('/api/v1/reassign', { from_user_id: leaving.id, to_user_id: taking.id, objects: ['activities'] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.moved.activities, 2);
  for (const a of [open1, open2]) assert.equal((await admin.get(`/api/v1/activities/${a.id}`)).json.assignee_id, taking.id);
  assert.equal((await admin.get(`/api/v1/activities/${done.id}`)).json.assignee_id, leaving.id);
  const notes = await taking.get('/api/v1/notifications');
  assert.ok(notes.json.data.some((n) => n.kind === 'transferred' && n.text === '2 planned activities of Leaving Manager have been handed to you'), notes.text);
  const audit = await admin.get(`/api/v1/audit?object=activity&object_id=${open1.id}&action=reassign`);
  assert.equal(audit.json.data.length, 1);
  const refused = await anna.post('/api/v1/reassign', { from_user_id: leaving.id, to_user_id: taking.id, objects: ['activities'] });
  assert.equal(refused.status, 403, 'a manager may not hand over a colleague\'s work');
});

test('full-text search finds activities by folded words of subject, result and body', async () => {
  const a = (await anna.post('/api/v1/activities', { kind: 'meeting', subject: 'Spotkanie w Łodzi', due_at: fromNow(86400) })).json;
  await anna.post(`/api/v1/activities/${a.id}/complete`, { result: 'Umowa podpisana' });
  const b = (await anna.post('/api/v1/activities', { kind: 'note', body: 'Zadzwonić do pana Müllera' })).json;
  const ids = async (q) => (await anna.get(`/api/v1/activities?q=${encodeURIComponent(q)}`)).json.data.map((x) => x.id);
  assert.deepEqual(await ids('lodzi'), [a.id]);
  assert.deepEqual(await ids('umowa'), [a.id]);
  assert.deepEqual(await ids('muller'), [b.id]);
  assert.deepEqual(await ids('nothing-like-this'), []);
});

test('lists filter by kind, status, assignee and due time', async () => {
  const mine = (await admin.post('/api/v1/activities', { kind: 'sms', subject: 'SMS reminder', due_at: '2031-01-01T10:00:00Z', phone: '+48601234567', direction: 'outbound' })).json;
  const r = await admin.get(`/api/v1/activities?kind=sms&status=planned&filter=${encodeURIComponent('due_at ge 2031-01-01T00:00:00Z')}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.data.map((x) => x.id), [mine.id]);
});
