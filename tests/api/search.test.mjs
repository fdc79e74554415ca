// Finding clients: q= full-text on lists (case and diacritics folded, every word a prefix),
// the global typeahead GET /api/v1/search, and caller-ID lookup by any spelling of a
// number, with default regions RU and PL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, adminClient } from './lib.mjs';
import { checked } from './openapi.mjs';

let ru, pl, admin, adminPl;
before(async () => {
  ru = await startServer();   // default region RU
  pl = await startServer({ args: ['--region', 'PL'] });
  admin = checked(await adminClient(ru));
  adminPl = checked(await adminClient(pl));
});
after(async () => { await ru.stop(); await pl.stop(); });

const ids = (r) => { assert.equal(r.status, 200, r.text); return r.json.data.map((x) => x.id); };
const q = (s) => encodeURIComponent(s);

test('q= folds case and diacritics both ways, in Latin and Cyrillic', async () => {
  const lodz = (await admin.post('/api/v1/contacts', { first_name: 'Agnieszka', last_name: 'Łódź-Wiśniewska' })).json;
  const lodz2 = (await admin.post('/api/v1/contacts', { first_name: 'Tomasz', last_name: 'Lodz' })).json;
  const yolkin = (await admin.post('/api/v1/contacts', { first_name: 'Пётр', last_name: 'ёлкин' })).json;
  const muller = (await admin.post('/api/v1/contacts', { first_name: 'Jürgen', last_name: 'Müller-Straße' })).json;
  assert.deepEqual(ids(await admin.get(`/api/v1/contacts?q=${q('łódź')}`)).sort(), [lodz.id, lodz2.id].sort());
  assert.deepEqual(ids(await admin.get(`/api/v1/contacts?q=${q('LODZ')}`)).sort(), [lodz.id, lodz2.id].sort());
  assert.deepEqual(ids(await admin.get(`/api/v1/contacts?q=${q('wisniewska')}`)), [lodz.id]);
  assert.deepEqual(ids(await admin.get(`/api/v1/contacts?q=${q('ЁЛКИН')}`)), [yolkin.id]);
  assert.deepEqual(ids(await admin.get(`/api/v1/contacts?q=${q('елкин петр')}`)), [yolkin.id]);
  assert.deepEqual(ids(await admin.get(`/api/v1/contacts?q=${q('muller strasse')}`)), [muller.id]);
  assert.deepEqual(ids(await admin.get(`/api/v1/contacts?q=${q('JURGEN')}`)), [muller.id]);
});

test('typeahead: every word is a prefix; all words must match', async () => {
  const a = (await admin.post('/api/v1/contacts', { first_name: 'Светлана', last_name: 'Кузнецова', notes: 'wants a quote for pallets' })).json;
  const b = (await admin.post('/api/v1/contacts', { first_name: 'Светозар', last_name: 'Иванов' })).json;
  assert.deepEqual(ids(await admin.get(`/api/v1/contacts?q=${q('свет')}`)).sort(), [a.id, b.id].sort());
  assert.deepEqual(ids(await admin.get(`/api/v1/contacts?q=${q('свет куз')}`)), [a.id]);
  assert.deepEqual(ids(await admin.get(`/api/v1/contacts?q=${q('pallet')}`)), [a.id], 'notes are searched');
  assert.deepEqual(ids(await admin.get(`/api/v1/contacts?q=${q('свет zzz')}`)), []);
  // FTS syntax in the query is text, not operators
  assert.equal((await admin.get(`/api/v1/contacts?q=${q('"свет* OR NEAR( -x ^')}`)).status, 200);
  assert.equal((await admin.get(`/api/v1/contacts?q=${q('x'.repeat(5000))}`)).status, 200);
});

test('emails and company names are searchable on contacts; count follows q', async () => {
  const co = (await admin.post('/api/v1/companies', { name: 'Żabka Polska' })).json;
  const c = (await admin.post('/api/v1/contacts', { first_name: 'Kasia', emails: ['kasia.b@zabka.example'], company_ids: [co.id] })).json;
  assert.deepEqual(ids(await admin.get(`/api/v1/contacts?q=${q('zabka kasia')}`)), [c.id]);
  assert.deepEqual(ids(await admin.get(`/api/v1/contacts?q=${q('kasia.b')}`)), [c.id]);
  assert.deepEqual(ids(await admin.get(`/api/v1/companies?q=${q('ŻABKA')}`)), [co.id]);
  const counted = await admin.get(`/api/v1/contacts?q=${q('zabka')}&count=true`);
  assert.equal(counted.json.count, 1);
});

test('GET /api/v1/search: contacts and companies at once, limited per kind', async () => {
  const co = (await admin.post('/api/v1/companies', { name: 'Typeahead Holding' })).json;
  const c = (await admin.post('/api/v1/contacts', { first_name: 'Typo', last_name: 'Graf' })).json;
  const r = await admin.get('/api/v1/search?q=typ');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.data.filter((x) => x.type === 'contact').map((x) => [x.id, x.name]), [[c.id, 'Typo Graf']]);
  assert.deepEqual(r.json.data.filter((x) => x.type === 'company').map((x) => [x.id, x.name]), [[co.id, 'Typeahead Holding']]);
  assert.deepEqual((await admin.get('/api/v1/search?q=')).json.data, []);
  assert.equal((await admin.get('/api/v1/search?q=a&limit=0')).status, 422);
  for (let i = 0; i < 4; i++) await admin.post('/api/v1/contacts', { first_name: 'Limitless', last_name: `${i}` });
  const lim = await admin.get('/api/v1/search?q=limitless&limit=2');
  assert.equal(lim.json.data.length, 2);
  // deleted cards are not found
  await admin.del(`/api/v1/contacts/${c.id}`);
  assert.deepEqual((await admin.get('/api/v1/search?q=typo')).json.data.filter((x) => x.type === 'contact'), []);
  assert.deepEqual(ids(await admin.get('/api/v1/contacts?q=typo')), []);
});

test('caller-ID lookup (region RU): any formatting of a number, local numbers by suffix', async () => {
  const c = (await admin.post('/api/v1/contacts', { first_name: 'Caller', phones: ['8 (812) 555-12-34'] })).json;
  const co = (await admin.post('/api/v1/companies', { name: 'Caller Co', phones: [{ value: '+7 812 555 1234 доб. 7', label: 'office' }] })).json;
  const want = [['contact', c.id], ['company', co.id]];
  for (const n of ['+7 812 555-12-34', '88125551234', '+78125551234', '8-812-555-12-34', '7 (812) 5551234', '  +7 812 555 12 34 ext 99 ']) {
    const r = await admin.get(`/api/v1/lookup/phone?number=${q(n)}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.data.map((x) => [x.type, x.id]), want, n);
    assert.equal(r.json.data[0].match, 'exact');
    assert.equal(r.json.data[0].name, 'Caller');
    assert.equal(r.json.e164, '+78125551234');
  }
  // a local number without area code: suffix match
  const local = await admin.get(`/api/v1/lookup/phone?number=${q('555-12-34')}`);
  assert.deepEqual(local.json.data.map((x) => [x.type, x.id, x.match]), [['contact', c.id, 'suffix'], ['company', co.id, 'suffix']]);
  // too few digits to say anything, no digits at all, a number nobody has
  assert.deepEqual((await admin.get('/api/v1/lookup/phone?number=34')).json.data, []);
  assert.deepEqual((await admin.get(`/api/v1/lookup/phone?number=${q('call me')}`)).json.data, []);
  assert.deepEqual((await admin.get(`/api/v1/lookup/phone?number=${q('+7 999 000-00-01')}`)).json.data, []);
  assert.equal((await admin.get('/api/v1/lookup/phone')).status, 422);
  assert.equal((await admin.get('/api/v1/lookup/phone?number=%FF%FE%00')).status, 200);
  // a number that was kept as typed (invalid) is found by its digits
  const odd = (await admin.post('/api/v1/contacts', { first_name: 'Odd', phones: ['00-11-22-33-44'] })).json;
  assert.equal(odd.phones[0].valid, false);
  assert.deepEqual((await admin.get(`/api/v1/lookup/phone?number=${q('11 22 33 44')}`)).json.data.map((x) => x.id), [odd.id]);
  // a changed number leaves the index; a deleted card too
  await admin.patch(`/api/v1/contacts/${c.id}`, { phones: ['+7 812 000 00 00'] });
  assert.deepEqual((await admin.get(`/api/v1/lookup/phone?number=${q('88125551234')}`)).json.data.map((x) => x.id), [co.id]);
  await admin.del(`/api/v1/companies/${co.id}`);
  assert.deepEqual((await admin.get(`/api/v1/lookup/phone?number=${q('88125551234')}`)).json.data, []);
});

test('caller-ID lookup (region PL): 0048, national, foreign numbers', async () => {
  const c = (await adminPl.post('/api/v1/contacts', { first_name: 'Zofia', phones: ['0048 22 123 45 67', '+420 601 123 456'] })).json;
  assert.deepEqual(c.phones.map((p) => p.e164), ['+48221234567', '+420601123456']);
  for (const n of ['(22) 123 45 67', '+48 22 123-45-67', '0048221234567', '221234567', '+48 (22) 1234567']) {
    const r = await adminPl.get(`/api/v1/lookup/phone?number=${q(n)}`);
    assert.deepEqual(r.json.data.map((x) => x.id), [c.id], n);
  }
  for (const n of ['+420 601 123 456', '00420601123456', '601 123 456'])
    assert.deepEqual((await adminPl.get(`/api/v1/lookup/phone?number=${q(n)}`)).json.data.map((x) => x.id), [c.id], n);
});

// Full-text rows are indexed behind the request (domain/fts_queue.h): right after a write
// the queued text decides, a renamed card no longer matches its old name, and the answers
// stay the same once the indexer has moved the rows into the index.
test('search answers the moment a card is saved, renamed or deleted, and the same after indexing', async () => {
  const made = await Promise.all(Array.from({ length: 30 }, (_, i) =>
    admin.post('/api/v1/contacts', { first_name: `Queued${i}`, last_name: 'Zzyzxova' })));
  const cards = made.map((r) => { assert.equal(r.status, 201, r.text); return r.json; });
  const counts = async () => {
    const list = async (word) => (await admin.get(`/api/v1/contacts?q=${q(word)}&count=true&limit=100`)).json;
    const typeahead = async (word) => (await admin.get(`/api/v1/search?q=${q(word)}&limit=50`)).json.data.map((x) => x.id);
    const [old, renamed] = [await list('zzyzx'), await list('qqwerty')];
    return { old: old.count, renamed: renamed.count, oldIds: old.data.map((x) => x.id).sort(), typeOld: (await typeahead('zzyzx')).length,
             typeRenamed: (await typeahead('qqwerty')).length };
  };
  let c = await counts();
  assert.deepEqual([c.old, c.renamed, c.typeOld, c.typeRenamed], [30, 0, 30, 0]);
  assert.deepEqual(c.oldIds, cards.map((x) => x.id).sort());
  for (const card of cards.slice(0, 10)) {
    const r = await admin.patch(`/api/v1/contacts/${card.id}`, { last_name: 'Qqwertyova' });
    assert.equal(r.status, 200, r.text);
  }
  c = await counts();
  assert.deepEqual([c.old, c.renamed, c.typeOld, c.typeRenamed], [20, 10, 20, 10], 'old names stop matching at once');
  for (const card of cards.slice(0, 5)) assert.equal((await admin.del(`/api/v1/contacts/${card.id}`)).status, 204);
  c = await counts();
  assert.deepEqual([c.old, c.renamed, c.typeOld, c.typeRenamed], [20, 5, 20, 5]);
  await new Promise((r) => setTimeout(r, 600));   // the indexer runs every 0.1 s
  assert.deepEqual(await counts(), c, 'the same answers from the index');
});
