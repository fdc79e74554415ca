// The product catalog, line items on deals (the deal amount follows them, every change
// keeps a snapshot of what was offered), and payments planned and received.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient, userClient } from './lib.mjs';
import { checked } from './openapi.mjs';

let srv, admin;
before(async () => { srv = await startServer(); admin = checked(await adminClient(srv)); });
after(async () => { await srv.stop(); });

const ifMatch = (v) => ({ 'if-match': `"${v}"` });

async function product(body) {
  const r = await admin.post('/api/v1/products', { currency: 'EUR', ...body });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function deal(body = {}, client = admin) {
  const r = await client.post('/api/v1/deals', { title: 'order', currency: 'EUR', ...body });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

test('products: catalog with SKU, unit, price, two-level categories, search and an active flag', async () => {
  const chair = await product({ sku: 'CH-1', name: 'Krzesło biurowe', unit: 'pcs', price: 49900, category: 'Furniture', subcategory: 'Chairs' });
  await product({ sku: 'DK-1', name: 'Desk', price: 99900, category: 'Furniture', subcategory: 'Desks' });
  await product({ name: 'Delivery', price: 5000, category: 'Services' });
  assert.equal(chair.active, true);
  let r = await admin.post('/api/v1/products', { sku: 'CH-1', name: 'duplicate', currency: 'EUR' });
  assert.equal(r.status, 422);
  assert.equal(r.json.errors[0].code, 'duplicate');
  for (const body of [{ name: 'neg', price: -1 }, { name: 'cur', currency: 'EURO' }, { name: 'sub', subcategory: 'orphan' },
    { name: 'big', price: 1e16 }, { sku: '', name: 'empty sku' }, { name: 'x', active: 'yes' }]) {
    r = await admin.post('/api/v1/products', { currency: 'EUR', ...body });
    assert.equal(r.status, 422, `${JSON.stringify(body)}: ${r.text}`);
  }
  r = await admin.get('/api/v1/products/categories');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.data, [
    { category: 'Furniture', subcategories: [{ name: 'Chairs', count: 1 }, { name: 'Desks', count: 1 }], count: 2 },
    { category: 'Services', subcategories: [], count: 1 },
  ]);
  assert.deepEqual((await admin.get('/api/v1/products?q=krzeslo')).json.data.map((p) => p.id), [chair.id]);
  assert.deepEqual((await admin.get('/api/v1/products?q=ch-1')).json.data.map((p) => p.id), [chair.id]);
  assert.equal((await admin.get('/api/v1/products?category=Furniture&count=true')).json.count, 2);
  // managers read the catalog but do not edit it
  const m = checked(await userClient(srv, admin));
  assert.equal((await m.get(`/api/v1/products/${chair.id}`)).status, 200);
  assert.equal((await m.post('/api/v1/products', { name: 'mine' })).status, 403);
});

test('line items: the deal amount is their sum, and each change keeps what was offered', async () => {
  const chair = await product({ sku: 'CH-2', name: 'Chair', unit: 'pcs', price: 10000 });
  let d = await deal({ amount: 1 });
  const base = `/api/v1/deals/${d.id}/items`;
  let r = await admin.post(base, { product_id: chair.id, quantity: 3, discount: 10 });
  assert.equal(r.status, 201, r.text);
  const item = r.json;
  assert.deepEqual([item.name, item.sku, item.unit, item.price, item.quantity, item.discount, item.total],
    ['Chair', 'CH-2', 'pcs', 10000, 3, 10, 27000]);
  d = (await admin.get(`/api/v1/deals/${d.id}`)).json;
  assert.deepEqual([d.amount, d.items_count], [27000, 1]);
  r = await admin.post(base, { name: 'Assembly', quantity: 1.5, price: 3333 });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.total, 5000);
  d = (await admin.get(`/api/v1/deals/${d.id}`)).json;
  assert.equal(d.amount, 32000);
  // the amount is no longer typed in
  r = await admin.patch(`/api/v1/deals/${d.id}`, { amount: 5 }, ifMatch(d.version));
  assert.equal(r.status, 422);
  assert.equal(r.json.errors[0].code, 'amount_from_items');
  r = await admin.patch(`/api/v1/deals/${d.id}`, { currency: 'USD' }, ifMatch(d.version));
  assert.equal(r.json.errors[0].code, 'currency_locked');
  // change and remove, with If-Match on the item
  r = await admin.patch(`${base}/${item.id}`, { quantity: 4 }, ifMatch(item.version + 1));
  assert.equal(r.status, 412);
  r = await admin.patch(`${base}/${item.id}`, { quantity: 4 }, ifMatch(item.version));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.total, 36000);
  assert.equal((await admin.get(`/api/v1/deals/${d.id}`)).json.amount, 41000);
  assert.equal((await admin.del(`${base}/${item.id}`)).status, 204);
  d = (await admin.get(`/api/v1/deals/${d.id}`)).json;
  assert.equal(d.amount, 5000);

  // every version of the offer is kept, newest first
  const offers = (await admin.get(`/api/v1/deals/${d.id}/offers`)).json;
  assert.deepEqual(offers.data.map((o) => o.amount), [5000, 41000, 32000, 27000]);
  assert.deepEqual(offers.data[3].items.map((i) => [i.name, i.quantity, i.total]), [['Chair', 3, 27000]]);
  assert.deepEqual(offers.data[0].items.map((i) => i.name), ['Assembly']);
  const page = (await admin.get(`/api/v1/deals/${d.id}/offers?limit=3`)).json;
  assert.equal(page.data.length, 3);
  const rest = (await admin.get(`/api/v1/deals/${d.id}/offers?limit=3&after=${page.next}`)).json;
  assert.deepEqual(rest.data.map((o) => o.amount), [27000]);
  assert.equal(rest.next, null);
  // items of one deal are not reached through another
  const other = await deal();
  const list = (await admin.get(`/api/v1/deals/${d.id}/items`)).json.data;
  assert.equal((await admin.get(`/api/v1/deals/${other.id}/items/${list[0].id}`)).status, 404);
  assert.equal((await admin.patch(`/api/v1/deals/${other.id}/items/${list[0].id}`, { quantity: 9 })).status, 404);
  assert.equal((await admin.post(`/api/v1/deals/${other.id}/items`, { name: 'x', quantity: 1, price: 1, deal_id: d.id })).status, 422);
});

test('malformed line items are refused and leave the deal as it was', async () => {
  const usd = await product({ sku: 'US-1', name: 'Imported', price: 100, currency: 'USD' });
  const retired = await product({ sku: 'OLD-1', name: 'Retired', price: 100, active: false });
  const free = await product({ sku: 'NP-1', name: 'No price' });
  const d = await deal({ amount: 700 });
  const base = `/api/v1/deals/${d.id}/items`;
  for (const [body, field, code] of [
    [{ name: 'neg', quantity: -2, price: 100 }, 'quantity', 'out_of_range'],
    [{ name: 'zero', quantity: 0, price: 100 }, 'quantity', 'out_of_range'],
    [{ name: 'huge', quantity: 1e300, price: 100 }, 'quantity', 'out_of_range'],
    [{ name: 'str', quantity: '2', price: 100 }, 'quantity', 'invalid_type'],
    [{ name: 'neg price', quantity: 1, price: -100 }, 'price', 'out_of_range'],
    [{ name: 'discount', quantity: 1, price: 100, discount: 101 }, 'discount', 'out_of_range'],
    [{ name: 'discount', quantity: 1, price: 100, discount: -1 }, 'discount', 'out_of_range'],
    [{ name: 'overflow', quantity: 1e9, price: 1e15 }, 'quantity', 'out_of_range'],
    [{ quantity: 1, price: 100 }, 'name', 'required'],
    [{ name: 'no price', quantity: 1 }, 'price', 'required'],
    [{ product_id: usd.id, quantity: 1 }, 'price', 'currency_mismatch'],
    [{ product_id: retired.id, quantity: 1 }, 'product_id', 'product_inactive'],
    [{ product_id: free.id, quantity: 1 }, 'price', 'required'],
    [{ product_id: 987654, quantity: 1 }, 'product_id', 'invalid_reference'],
    [{ name: 'total', quantity: 1, price: 1, total: 5 }, 'total', 'read_only'],
  ]) {
    const r = await admin.post(base, body);
    assert.equal(r.status, 422, `${JSON.stringify(body)}: ${r.text}`);
    assert.ok(r.json.errors.some((e) => e.field === field && e.code === code), `${field}/${code}: ${r.text}`);
  }
  assert.equal((await admin.req('POST', base, '{"name":"x","quantity":1,"price":99999999999999999999}')).status, 400);
  // a product priced in another currency can be sold at a price in the deal's currency
  const ok = await admin.post(base, { product_id: usd.id, quantity: 2, price: 90 });
  assert.equal(ok.status, 201, ok.text);
  const r = await admin.patch(`${base}/${ok.json.id}`, { quantity: -1 });
  assert.equal(r.status, 422);
  const now = (await admin.get(`/api/v1/deals/${d.id}`)).json;
  assert.deepEqual([now.amount, now.items_count], [180, 1]);
  assert.equal((await admin.get(`/api/v1/deals/${d.id}/offers`)).json.data.length, 1);
});

test('payments: planned and received, so the card shows paid and owed', async () => {
  const d = await deal({ amount: 100000 });
  const base = `/api/v1/deals/${d.id}/payments`;
  let r = await admin.post(base, { kind: 'planned', amount: 60000, due_date: '2027-02-01' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.currency, 'EUR');
  const planned = r.json;
  r = await admin.post(base, { kind: 'received', amount: 40000, note: 'advance' });
  assert.equal(r.status, 201, r.text);
  assert.match(r.json.paid_at, /^\d{4}-\d{2}-\d{2}$/);
  let now = (await admin.get(`/api/v1/deals/${d.id}`)).json;
  assert.deepEqual([now.paid, now.planned, now.owed], [40000, 60000, 60000]);
  r = await admin.patch(`${base}/${planned.id}`, { kind: 'received', paid_at: '2027-01-30' }, ifMatch(planned.version));
  assert.equal(r.status, 200, r.text);
  now = (await admin.get(`/api/v1/deals/${d.id}`)).json;
  assert.deepEqual([now.paid, now.planned, now.owed], [100000, 0, 0]);
  for (const body of [{ kind: 'planned', amount: 0 }, { kind: 'planned', amount: -5 }, { kind: 'later', amount: 5 },
    { kind: 'planned', amount: 5, currency: 'USD' }, { kind: 'received', amount: 5, paid_at: null }, { amount: 5 },
    { kind: 'planned', amount: 5, due_date: 'tomorrow' }]) {
    r = await admin.post(base, body);
    assert.equal(r.status, 422, `${JSON.stringify(body)}: ${r.text}`);
  }
  assert.equal((await admin.get(base)).json.data.length, 2);
  const t = (await admin.get(`/api/v1/deals/${d.id}/timeline`)).json.data;
  assert.deepEqual(t.filter((e) => e.kind === 'payment').map((e) => e.payment_kind).sort(), ['received', 'received']);
  // a manager without the deal cannot see or add its payments
  const m = checked(await userClient(srv, admin));
  assert.equal((await m.get(base)).status, 404);
  assert.equal((await m.post(base, { kind: 'planned', amount: 5 })).status, 404);
  assert.equal((await m.del(`${base}/${planned.id}`)).status, 404);
});
