// The leads inbox: intake from any channel, matching with known clients (linked and routed
// to the card's owner), qualification into contact + company + deal in one transaction,
// the deal carried to won or lost, disqualification with a reason, scopes, hostile input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient, userClient } from './lib.mjs';
import { checked } from './openapi.mjs';

let srv, admin, sales;
before(async () => {
  srv = await startServer();
  admin = checked(await adminClient(srv));
  sales = (await admin.get('/api/v1/pipelines/1')).json;
});
after(async () => { await srv.stop(); });

const ifMatch = (v) => ({ 'if-match': `"${v}"` });
const count = async (path) => (await admin.get(`${path}?count=true&limit=1`)).json.count;

async function lead(body, client = admin) {
  const r = await client.post('/api/v1/leads', { channel: 'form', ...body });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

test('lead -> qualification -> deal -> won, in one call that creates contact, company and deal', async () => {
  const l = await lead({
    channel: 'form', source: 'website', campaign: 'spring-2026', name: 'Jan Maria Kowalski', phone: '+48 601 234 567',
    email: 'Jan.Kowalski@example.com', company_name: 'Kowalski Sp. z o.o.', message: 'Please call me about 20 chairs',
    payload: { form: 'contact-us', utm: { source: 'google' } },
  });
  assert.deepEqual([l.status, l.phone_e164, l.owner_id, l.contact_id, l.deal_id], ['new', '+48601234567', admin.user.id, null, null]);
  assert.deepEqual(l.payload, { form: 'contact-us', utm: { source: 'google' } });

  const r = await admin.post(`/api/v1/leads/${l.id}/qualify`, { pipeline_id: sales.id, amount: 120000, currency: 'PLN' }, ifMatch(l.version));
  assert.equal(r.status, 200, r.text);
  const { contact_id, company_id, deal_id } = r.json;
  assert.ok(contact_id && company_id && deal_id);

  const c = (await admin.get(`/api/v1/contacts/${contact_id}`)).json;
  assert.deepEqual([c.first_name, c.last_name, c.phones[0].e164, c.emails[0].value], ['Jan Maria', 'Kowalski', '+48601234567', 'Jan.Kowalski@example.com']);
  assert.deepEqual(c.company_ids, [company_id]);
  assert.equal((await admin.get(`/api/v1/companies/${company_id}`)).json.name, 'Kowalski Sp. z o.o.');
  let d = (await admin.get(`/api/v1/deals/${deal_id}`)).json;
  assert.deepEqual([d.title, d.amount, d.currency, d.pipeline_id, d.stage_id, d.lead_id, d.company_id, d.source],
    ['Kowalski Sp. z o.o.', 120000, 'PLN', sales.id, sales.stages[0].id, l.id, company_id, 'website']);
  assert.deepEqual(d.contact_ids, [contact_id]);
  const now = (await admin.get(`/api/v1/leads/${l.id}`)).json;
  assert.deepEqual([now.status, now.contact_id, now.company_id, now.deal_id], ['qualified', contact_id, company_id, deal_id]);
  assert.ok(now.closed_at);
  assert.equal(now.message, 'Please call me about 20 chairs', 'the lead keeps what it carried');

  // through the funnel to won
  for (const s of sales.stages.filter((x) => x.kind !== 'lost').slice(1)) {
    const m = await admin.patch(`/api/v1/deals/${deal_id}`, { stage_id: s.id }, ifMatch(d.version));
    assert.equal(m.status, 200, m.text);
    d = m.json;
  }
  assert.deepEqual([d.status, d.probability], ['won', 100]);
  const h = (await admin.get(`/api/v1/deals/${deal_id}/stage-history`)).json.data;
  assert.equal(h.length, sales.stages.length - 1);

  // the client's card tells the story
  const t = (await admin.get(`/api/v1/contacts/${contact_id}/timeline?limit=200`)).json.data;
  assert.ok(t.some((e) => e.kind === 'lead' && e.lead_id === l.id && e.status === 'qualified'));
  assert.ok(t.some((e) => e.kind === 'deal' && e.deal_id === deal_id && e.status === 'won'));
  assert.ok(t.some((e) => e.kind === 'stage_change' && e.to_stage === 'Won'));
  const dt = (await admin.get(`/api/v1/deals/${deal_id}/timeline?limit=200`)).json.data;
  assert.ok(dt.some((e) => e.kind === 'lead' && e.lead_id === l.id));

  // qualified once; neither again nor disqualified afterwards
  let again = await admin.post(`/api/v1/leads/${l.id}/qualify`, {});
  assert.equal(again.status, 409);
  assert.equal(again.json.code, 'lead_closed');
  again = await admin.post(`/api/v1/leads/${l.id}/disqualify`, { reason: 'changed my mind' });
  assert.equal(again.status, 409);
});

test('a retried qualification with the same Idempotency-Key answers the first result and creates nothing more', async () => {
  const l = await lead({ channel: 'api', name: 'Retry Person', company_name: 'Retry Ltd' });
  const deals = await count('/api/v1/deals');
  const key = { 'idempotency-key': `q-${l.id}-${process.pid}` };
  const first = await admin.post(`/api/v1/leads/${l.id}/qualify`, { title: 'Retried' }, key);
  assert.equal(first.status, 200, first.text);
  const again = await admin.post(`/api/v1/leads/${l.id}/qualify`, { title: 'Retried' }, key);
  assert.equal(again.status, 200, again.text);
  assert.deepEqual(again.json, first.json);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(await count('/api/v1/deals'), deals + 1);
  const other = await admin.post(`/api/v1/leads/${l.id}/qualify`, { title: 'Different' }, key);
  assert.equal(other.status, 422);
});

test('lead -> deal -> lost with a reason', async () => {
  const l = await lead({ channel: 'call', name: 'Piotr', phone: '+48 602 000 111' });
  const r = await admin.post(`/api/v1/leads/${l.id}/qualify`, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.company_id, null, 'no company named, none made');
  const d = (await admin.get(`/api/v1/deals/${r.json.deal_id}`)).json;
  assert.equal(d.title, 'Piotr');
  assert.equal(d.source, 'call', 'the channel when there is no source');
  const lost = sales.stages.find((s) => s.kind === 'lost');
  let m = await admin.patch(`/api/v1/deals/${d.id}`, { stage_id: lost.id }, ifMatch(d.version));
  assert.equal(m.status, 422);
  m = await admin.patch(`/api/v1/deals/${d.id}`, { stage_id: lost.id, lost_reason: 'too expensive' }, ifMatch(d.version));
  assert.equal(m.status, 200, m.text);
  assert.deepEqual([m.json.status, m.json.lost_reason], ['lost', 'too expensive']);
  assert.deepEqual((await admin.get(`/api/v1/deals?status=lost&lead_id=${l.id}`)).json.data.map((x) => x.id), [d.id]);
});

test('a lead from a known client is linked to the card and routed to its owner', async () => {
  const m1 = checked(await userClient(srv, admin));
  const co = (await m1.post('/api/v1/companies', { name: 'Known Co', phones: ['+48 22 555 00 11'] })).json;
  const c = (await m1.post('/api/v1/contacts', { first_name: 'Known', last_name: 'Person', phones: ['+48 603 111 222'],
    emails: ['known@example.com'], company_ids: [co.id] })).json;
  assert.ok(c.id && co.id);
  // by phone, typed differently
  let l = await lead({ channel: 'call', phone: '+48 (603) 111-222', message: 'calling again' });
  assert.deepEqual([l.contact_id, l.company_id, l.owner_id], [c.id, co.id, m1.id]);
  assert.equal((await m1.get(`/api/v1/leads/${l.id}`)).status, 200, 'the owner sees the routed lead');
  // by email, in another case
  l = await lead({ channel: 'email', email: 'KNOWN@example.com', message: 'hello' });
  assert.deepEqual([l.contact_id, l.owner_id], [c.id, m1.id]);
  // by the company's phone
  l = await lead({ channel: 'call', phone: '+48225550011' });
  assert.deepEqual([l.contact_id, l.company_id, l.owner_id], [null, co.id, m1.id]);
  // an owner named in the body wins; a stranger matches nothing
  l = await lead({ channel: 'call', phone: '+48603111222', owner_id: admin.user.id });
  assert.deepEqual([l.contact_id, l.owner_id], [c.id, admin.user.id]);
  l = await lead({ channel: 'call', phone: '+48 604 999 888' });
  assert.deepEqual([l.contact_id, l.company_id, l.owner_id], [null, null, admin.user.id]);
  // a deleted card is not matched
  const gone = (await admin.post('/api/v1/contacts', { first_name: 'Gone', emails: ['gone@example.com'] })).json;
  assert.equal((await admin.del(`/api/v1/contacts/${gone.id}`)).status, 204);
  l = await lead({ channel: 'email', email: 'gone@example.com' });
  assert.equal(l.contact_id, null);

  // qualifying a linked lead reuses the card: no new contact or company
  const known = await lead({ channel: 'call', phone: '+48603111222', name: 'Known Person', company_name: 'Known Co' }, m1);
  const contacts = await count('/api/v1/contacts'), companies = await count('/api/v1/companies');
  const r = await m1.post(`/api/v1/leads/${known.id}/qualify`, { title: 'Repeat order' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.json.contact_id, r.json.company_id], [c.id, co.id]);
  assert.equal(await count('/api/v1/contacts'), contacts);
  assert.equal(await count('/api/v1/companies'), companies);
  const d = (await m1.get(`/api/v1/deals/${r.json.deal_id}`)).json;
  assert.deepEqual([d.title, d.owner_id, d.company_id], ['Repeat order', m1.id, co.id]);
});

test('a failed qualification changes nothing', async () => {
  const l = await lead({ name: 'Ewa Nowak', email: 'ewa@example.com', company_name: 'Nowak SA' });
  const before = await Promise.all(['/api/v1/contacts', '/api/v1/companies', '/api/v1/deals'].map(count));
  const other = (await admin.post('/api/v1/pipelines', { name: 'Other', stages: [{ name: 'o' }] })).json;
  for (const [body, status, field] of [
    [{ pipeline_id: 999999 }, 422, 'pipeline_id'],
    [{ pipeline_id: sales.id, stage_id: other.stages[0].id }, 422, 'stage_id'],
    [{ amount: -10 }, 422, 'amount'],
    [{ currency: 'ABC' }, 422, 'currency'],
    [{ owner_id: 987654 }, 422, null],
    [{ contact_id: 987654 }, 422, 'contact_id'],
    [{ colour: 'red' }, 422, 'colour'],
  ]) {
    const r = await admin.post(`/api/v1/leads/${l.id}/qualify`, body);
    assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
    if (field) assert.ok(r.json.errors.some((e) => e.field === field), r.text);
  }
  let r = await admin.req('POST', `/api/v1/leads/${l.id}/qualify`, '{"amount":18446744073709551616}');
  assert.equal(r.status, 400);
  r = await admin.post(`/api/v1/leads/${l.id}/qualify`, {}, ifMatch(l.version + 1));
  assert.equal(r.status, 412);
  // bad data carried by the lead surfaces under the record it would have made
  const bad = await lead({ name: 'Bad Mail', email: 'not an email' });
  r = await admin.post(`/api/v1/leads/${bad.id}/qualify`, {});
  assert.equal(r.status, 422, r.text);
  assert.ok(r.json.errors.some((e) => e.field.startsWith('contact.emails')), r.text);
  assert.deepEqual(await Promise.all(['/api/v1/contacts', '/api/v1/companies', '/api/v1/deals'].map(count)), before);
  assert.equal((await admin.get(`/api/v1/leads/${l.id}`)).json.status, 'new');
  // fixed, it goes through
  r = await admin.patch(`/api/v1/leads/${bad.id}`, { email: 'bad.mail@example.com' });
  assert.equal(r.status, 200);
  assert.equal((await admin.post(`/api/v1/leads/${bad.id}/qualify`, {})).status, 200);
});

test('disqualification keeps the lead with its reason', async () => {
  const l = await lead({ channel: 'messenger', name: 'Spam Bot', message: 'buy followers' });
  for (const body of [{}, { reason: '' }, { reason: '   ' }, { reason: 5 }, { reason: 'x'.repeat(1001) }, { reason: 'ok', extra: 1 }]) {
    const r = await admin.post(`/api/v1/leads/${l.id}/disqualify`, body);
    assert.equal(r.status, 422, JSON.stringify(body));
  }
  assert.equal((await admin.post(`/api/v1/leads/${l.id}/disqualify`)).status, 400);
  const r = await admin.post(`/api/v1/leads/${l.id}/disqualify`, { reason: 'spam' }, ifMatch(l.version));
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.json.status, r.json.reason, r.json.message], ['disqualified', 'spam', 'buy followers']);
  assert.ok(r.json.closed_at);
  assert.equal((await admin.post(`/api/v1/leads/${l.id}/qualify`, {})).status, 409);
  const list = (await admin.get('/api/v1/leads?status=disqualified')).json.data;
  assert.ok(list.some((x) => x.id === l.id));
  const audit = (await admin.get(`/api/v1/audit?object=lead&object_id=${l.id}`)).json.data;
  assert.ok(audit.some((a) => a.action === 'disqualify'));
});

test('managers see and qualify only their own leads; the taker keeps sight of a routed lead', async () => {
  const m1 = checked(await userClient(srv, admin));
  const m2 = checked(await userClient(srv, admin));
  const mine = await lead({ name: 'Mine' }, m1);
  assert.equal(mine.owner_id, m1.id);
  assert.equal((await m2.get(`/api/v1/leads/${mine.id}`)).status, 404);
  assert.equal((await m2.post(`/api/v1/leads/${mine.id}/qualify`, {})).status, 404);
  assert.equal((await m2.post(`/api/v1/leads/${mine.id}/disqualify`, { reason: 'x' })).status, 404);
  assert.ok(!(await m2.get('/api/v1/leads')).json.data.some((x) => x.id === mine.id));
  // m2 takes a call from m1's client: routed to m1, still visible to m2
  const c = (await m1.post('/api/v1/contacts', { first_name: 'Client', phones: ['+48 605 123 456'] })).json;
  const routed = await lead({ channel: 'call', phone: '+48605123456' }, m2);
  assert.deepEqual([routed.owner_id, routed.contact_id], [m1.id, c.id]);
  assert.equal((await m2.get(`/api/v1/leads/${routed.id}`)).status, 200);
  assert.equal((await m1.get(`/api/v1/leads/${routed.id}`)).status, 200);
});

test('hostile lead input is refused and changes nothing', async () => {
  const n = await count('/api/v1/leads');
  for (const [body, field] of [
    [{ name: 'no channel' }, 'channel'],
    [{ channel: 'pigeon', name: 'x' }, 'channel'],
    [{ channel: 'form' }, 'name'],
    [{ channel: 'form', name: '   ' }, 'name'],
    [{ channel: 'form', name: 'x'.repeat(301) }, 'name'],
    [{ channel: 'form', name: 'x', status: 'qualified' }, 'status'],
    [{ channel: 'form', name: 'x', deal_id: 1 }, 'deal_id'],
    [{ channel: 'form', name: 'x', contact_id: 987654 }, 'contact_id'],
    [{ channel: 'form', name: 'x', owner_id: 'me' }, 'owner_id'],
    [{ channel: 'form', name: 'x', phone: 12345 }, 'phone'],
  ]) {
    const r = await admin.post('/api/v1/leads', body);
    assert.equal(r.status, 422, `${JSON.stringify(body)}: ${r.text}`);
    assert.ok(r.json.errors.some((e) => e.field === field), r.text);
  }
  assert.equal((await admin.req('POST', '/api/v1/leads', '{"channel":"form","name":"a","name":"b"}')).status, 400);
  assert.equal((await admin.req('POST', '/api/v1/leads', Buffer.from('{"channel":"form","name":"\xff"}', 'latin1'))).status, 400);
  assert.equal(await count('/api/v1/leads'), n);
  // a phone that is not a number is kept as typed, without an E.164 form
  const l = await lead({ channel: 'call', phone: 'call me maybe' });
  assert.deepEqual([l.phone, l.phone_e164], ['call me maybe', null]);
  // search finds leads by folded name, email and phone
  await lead({ channel: 'form', name: 'Łukasz Żółć', email: 'lukasz@example.com' });
  const found = (await admin.get(`/api/v1/leads?q=${encodeURIComponent('lukasz zolc')}`)).json.data;
  assert.equal(found.length, 1);
});
