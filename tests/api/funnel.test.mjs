// Pipelines as linear processes: the ready-made pipeline, creating one with its stages,
// adding, reordering, renaming and removing stages (deals move to a chosen stage), and
// the kanban board (per-stage counts, sums, pages, filters, scopes).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient, userClient } from './lib.mjs';
import { checked } from './openapi.mjs';

let srv, admin;
before(async () => { srv = await startServer(); admin = checked(await adminClient(srv)); });
after(async () => { await srv.stop(); });

async function pipeline(stages, extra = {}) {
  const r = await admin.post('/api/v1/pipelines', { name: `P ${Math.random()}`, stages, ...extra });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function deal(body, client = admin) {
  const r = await client.post('/api/v1/deals', body);
  assert.equal(r.status, 201, r.text);
  return r.json;
}

test('a fresh database has one ready-made sales pipeline, and new deals land in its first stage', async () => {
  const r = await admin.get('/api/v1/pipelines');
  assert.equal(r.status, 200);
  const sales = r.json.data[0];
  assert.equal(sales.name, 'Sales');
  assert.deepEqual(sales.stages.map((s) => s.kind), ['open', 'open', 'open', 'open', 'won', 'lost']);
  assert.deepEqual(sales.stages.map((s) => s.position), [1, 2, 3, 4, 5, 6]);
  const d = await deal({ title: 'no pipeline named' });
  assert.equal(d.pipeline_id, sales.id);
  assert.equal(d.stage_id, sales.stages[0].id);
  assert.equal(d.status, 'open');
  assert.equal(d.currency, sales.currency);
});

test('POST /pipelines takes its stages and answers them with ids, in order', async () => {
  const p = await pipeline([
    { name: 'Lead', probability: 10, kind: 'open', checklist: ['Call back'], time_limit_days: 3 },
    { name: 'Offer', probability: 60, kind: 'open', required_fields: ['amount', 'expected_close'] },
    { name: 'Paid', probability: 100, kind: 'won' },
    { name: 'Gone', probability: 0, kind: 'lost' },
  ], { goals: 'more paid orders', indicators: [{ name: 'conversion', target: 0.3, unit: '%' }], currency: 'PLN' });
  assert.equal(p.stages.length, 4);
  for (const s of p.stages) assert.ok(Number.isInteger(s.id));
  assert.deepEqual(p.stages.map((s) => [s.name, s.position, s.kind]),
    [['Lead', 1, 'open'], ['Offer', 2, 'open'], ['Paid', 3, 'won'], ['Gone', 4, 'lost']]);
  assert.deepEqual(p.stages[0].checklist, ['Call back']);
  assert.equal(p.currency, 'PLN');
  const again = await admin.get(`/api/v1/pipelines/${p.id}`);
  assert.deepEqual(again.json.stages.map((s) => s.id), p.stages.map((s) => s.id));
});

test('bad pipeline definitions are refused whole, naming each field', async () => {
  const before = (await admin.get('/api/v1/pipelines?count=true')).json.count;
  for (const [body, field] of [
    [{ name: 'x' }, 'stages'],
    [{ name: 'x', stages: [] }, 'stages'],
    [{ name: 'x', stages: [{ probability: 5 }] }, 'stages[0].name'],
    [{ name: 'x', stages: [{ name: 'a', probability: 101 }] }, 'stages[0].probability'],
    [{ name: 'x', stages: [{ name: 'a', probability: -1 }] }, 'stages[0].probability'],
    [{ name: 'x', stages: [{ name: 'a', kind: 'maybe' }] }, 'stages[0].kind'],
    [{ name: 'x', stages: [{ name: 'a', required_fields: ['no_such_field'] }] }, 'stages[0].required_fields[0]'],
    [{ name: 'x', stages: [{ name: 'a', checklist: ['same', 'same'] }] }, 'stages[0].checklist[1]'],
    [{ name: 'x', stages: [{ name: 'a', colour: 'red' }] }, 'stages[0].colour'],
    [{ name: 'x', currency: 'XXY', stages: [{ name: 'a' }] }, 'currency'],
    [{ name: 'x', indicators: [{ target: 3 }], stages: [{ name: 'a' }] }, 'indicators[0].name'],
  ]) {
    const r = await admin.post('/api/v1/pipelines', body);
    assert.equal(r.status, 422, `${JSON.stringify(body)}: ${r.text}`);
    assert.ok(r.json.errors.some((e) => e.field === field), `${field} in ${r.text}`);
  }
  assert.equal((await admin.get('/api/v1/pipelines?count=true')).json.count, before);
  const r = await admin.patch('/api/v1/pipelines/1', { stages: [{ name: 'sneaky' }] });
  assert.equal(r.status, 422);
});

test('stages are added, reordered, renamed and keep positions without gaps', async () => {
  const p = await pipeline([{ name: 'A' }, { name: 'B' }, { name: 'C' }]);
  const base = `/api/v1/pipelines/${p.id}/stages`;
  let r = await admin.post(base, { name: 'B½', position: 3 });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.position, 3);
  r = await admin.get(base);
  assert.deepEqual(r.json.data.map((s) => [s.name, s.position]), [['A', 1], ['B', 2], ['B½', 3], ['C', 4]]);
  const c = r.json.data[3];
  r = await admin.patch(`${base}/${c.id}`, { position: 1, name: 'C first' }, { 'if-match': `"${c.version}"` });
  assert.equal(r.status, 200, r.text);
  r = await admin.get(base);
  assert.deepEqual(r.json.data.map((s) => [s.name, s.position]), [['C first', 1], ['A', 2], ['B', 3], ['B½', 4]]);
  r = await admin.post(base, { name: 'tail' });
  assert.equal(r.json.position, 5);
  // a stage is reached only through its own pipeline
  r = await admin.get(`/api/v1/pipelines/1/stages/${c.id}`);
  assert.equal(r.status, 404);
  r = await admin.post(base, { name: 'elsewhere', pipeline_id: 1 });
  assert.equal(r.status, 422);
});

test('removing a stage with deals needs a target stage of the same pipeline; the deals move there with history', async () => {
  const p = await pipeline([{ name: 'One' }, { name: 'Two' }, { name: 'Three' }]);
  const [one, two, three] = p.stages;
  const d1 = await deal({ title: 'mover 1', pipeline_id: p.id, stage_id: two.id, amount: 100, currency: 'EUR' });
  const d2 = await deal({ title: 'mover 2', pipeline_id: p.id, stage_id: two.id, amount: 250, currency: 'EUR' });
  const base = `/api/v1/pipelines/${p.id}/stages`;
  let r = await admin.del(`${base}/${two.id}`);
  assert.equal(r.status, 409, r.text);
  assert.match(r.json.detail, /2 deals/);
  r = await admin.del(`${base}/${two.id}?move_to=1`);   // a stage of another pipeline
  assert.equal(r.status, 422);
  r = await admin.del(`${base}/${two.id}?move_to=${two.id}`);
  assert.equal(r.status, 422);
  r = await admin.del(`${base}/${two.id}?move_to=abc`);
  assert.equal(r.status, 422);
  assert.equal((await admin.get(`${base}/${two.id}`)).status, 200, 'nothing changed');
  assert.equal((await admin.get(`/api/v1/deals/${d1.id}`)).json.stage_id, two.id);

  r = await admin.del(`${base}/${two.id}?move_to=${three.id}`);
  assert.equal(r.status, 204, r.text);
  for (const d of [d1, d2]) {
    const now = (await admin.get(`/api/v1/deals/${d.id}`)).json;
    assert.equal(now.stage_id, three.id);
    assert.equal(now.version, d.version + 1, 'a moved deal gets a new version');
    const h = (await admin.get(`/api/v1/deals/${d.id}/stage-history`)).json.data;
    assert.deepEqual(h.map((x) => [x.from_stage_id, x.to_stage_id]), [[null, two.id], [two.id, three.id]]);
  }
  r = await admin.get(base);
  assert.deepEqual(r.json.data.map((s) => [s.id, s.position]), [[one.id, 1], [three.id, 2]]);
  const board = (await admin.get(`/api/v1/pipelines/${p.id}/board`)).json;
  assert.deepEqual(board.stages.map((s) => [s.id, s.count, s.amount]), [[one.id, 0, 0], [three.id, 2, 350]]);
  // an empty stage goes without a target; the last one stays
  assert.equal((await admin.del(`${base}/${one.id}`)).status, 204);
  r = await admin.del(`${base}/${three.id}?move_to=${three.id}`);
  assert.equal(r.status, 422);
  r = await admin.del(`${base}/${three.id}`);
  assert.equal(r.status, 409);
});

test('a pipeline with deals cannot be deleted; an empty one can', async () => {
  const p = await pipeline([{ name: 'only' }]);
  const d = await deal({ title: 'keeps it', pipeline_id: p.id });
  assert.equal((await admin.del(`/api/v1/pipelines/${p.id}`)).status, 409);
  assert.equal((await admin.del(`/api/v1/deals/${d.id}`)).status, 204);
  assert.equal((await admin.del(`/api/v1/pipelines/${p.id}`)).status, 204);
  const r = await admin.post('/api/v1/deals', { title: 'into a deleted pipeline', pipeline_id: p.id });
  assert.equal(r.status, 422);
});

test('a stage that becomes won or lost changes the status of its deals', async () => {
  const p = await pipeline([{ name: 'a' }, { name: 'b' }]);
  const d = await deal({ title: 'status follows', pipeline_id: p.id, stage_id: p.stages[1].id });
  const s = p.stages[1];
  const r = await admin.patch(`/api/v1/pipelines/${p.id}/stages/${s.id}`, { kind: 'won' }, { 'if-match': `"${s.version}"` });
  assert.equal(r.status, 200, r.text);
  const now = (await admin.get(`/api/v1/deals/${d.id}`)).json;
  assert.equal(now.status, 'won');
  assert.ok(now.closed_at);
});

test('the board: per stage count, amount, first page, and each stage paged on its own', async () => {
  const p = await pipeline([{ name: 'x' }, { name: 'y' }, { name: 'done', kind: 'won' }], { currency: 'EUR' });
  const [x, y] = p.stages;
  for (let i = 0; i < 5; i++) await deal({ title: `x${i}`, pipeline_id: p.id, stage_id: x.id, amount: 100, tags: i % 2 ? ['hot'] : [] });
  await deal({ title: 'y0', pipeline_id: p.id, stage_id: y.id, amount: 7 });
  await deal({ title: 'y-usd', pipeline_id: p.id, stage_id: y.id, amount: 5, currency: 'USD' });
  let r = await admin.get(`/api/v1/pipelines/${p.id}/board?limit=2`);
  assert.equal(r.status, 200, r.text);
  const [bx, by, bd] = r.json.stages;
  assert.deepEqual([bx.id, bx.count, bx.amount, bx.deals.length], [x.id, 5, 500, 2]);
  assert.ok(bx.next);
  assert.deepEqual([by.count, by.amount, by.amounts], [2, 7, { EUR: 7, USD: 5 }]);
  assert.equal(by.next, null);
  assert.deepEqual([bd.count, bd.deals, bd.next], [0, [], null]);

  // page through stage x alone
  const seen = bx.deals.map((d) => d.id);
  let next = bx.next;
  while (next) {
    r = await admin.get(`/api/v1/pipelines/${p.id}/board?limit=2&stage_id=${x.id}&after=${next}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.stages.length, 1);
    seen.push(...r.json.stages[0].deals.map((d) => d.id));
    next = r.json.stages[0].next;
  }
  assert.equal(new Set(seen).size, 5);
  // the deal list's filters apply to counts, sums and cards
  r = await admin.get(`/api/v1/pipelines/${p.id}/board?tag=hot`);
  assert.deepEqual(r.json.stages.map((s) => s.count), [2, 0, 0]);
  r = await admin.get(`/api/v1/pipelines/${p.id}/board?filter=${encodeURIComponent('amount gt 6')}`);
  assert.deepEqual(r.json.stages.map((s) => [s.count, s.amount]), [[5, 500], [1, 7], [0, 0]]);
  r = await admin.get(`/api/v1/pipelines/${p.id}/board?q=y0`);
  assert.deepEqual(r.json.stages.map((s) => s.count), [0, 1, 0]);
  // malformed paging and filters
  assert.equal((await admin.get(`/api/v1/pipelines/${p.id}/board?after=abc`)).status, 422);
  assert.equal((await admin.get(`/api/v1/pipelines/${p.id}/board?stage_id=1`)).status, 422);
  assert.equal((await admin.get(`/api/v1/pipelines/${p.id}/board?stage_id=${x.id}&after=garbage`)).status, 422);
  assert.equal((await admin.get(`/api/v1/pipelines/${p.id}/board?filter=${encodeURIComponent('nope eq 1')}`)).status, 422);
  assert.equal((await admin.get('/api/v1/pipelines/999999/board')).status, 404);
  assert.equal((await admin.get(`/api/v1/pipelines/${p.id}/board?limit=101`)).status, 422);
});

test('a manager sees on the board only the deals their role allows, in counts and sums too', async () => {
  const p = await pipeline([{ name: 'only' }]);
  const m1 = checked(await userClient(srv, admin));
  const m2 = checked(await userClient(srv, admin));
  await deal({ title: 'm1 deal', pipeline_id: p.id, amount: 10 }, m1);
  await deal({ title: 'm2 deal', pipeline_id: p.id, amount: 20 }, m2);
  await deal({ title: 'shared', pipeline_id: p.id, amount: 40, owner_id: m2.id, co_owner_ids: [m1.id] });
  const b1 = (await m1.get(`/api/v1/pipelines/${p.id}/board`)).json.stages[0];
  assert.deepEqual([b1.count, b1.amount, b1.deals.map((d) => d.title).sort()], [2, 50, ['m1 deal', 'shared']]);
  const ba = (await admin.get(`/api/v1/pipelines/${p.id}/board`)).json.stages[0];
  assert.deepEqual([ba.count, ba.amount], [3, 70]);
  // managers read pipelines but may not change them
  assert.equal((await m1.post('/api/v1/pipelines', { name: 'mine', stages: [{ name: 'a' }] })).status, 403);
  assert.equal((await m1.post(`/api/v1/pipelines/${p.id}/stages`, { name: 'b' })).status, 403);
});
