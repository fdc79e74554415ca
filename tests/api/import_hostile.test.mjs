// Hostile files an import must survive without losing count: a zip bomb posing as XLSX, a
// 1 GB line, unterminated quotes, binary garbage, broken UTF-8, a header of 20,000 columns,
// uploads over the limit. Each is refused with a reason or read row by row, and whatever
// was read is accounted for.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, adminClient, cli, BIN, ADMIN } from './lib.mjs';
import { checked } from './openapi.mjs';
import { fixture, upload, runImport, assertAccounted, report } from './import_lib.mjs';

let srv, admin, raw;
before(async () => {
  srv = await startServer({ env: { KARTOTEKA_MAX_UPLOAD: String(8 << 20) } });
  raw = await adminClient(srv);
  admin = checked(raw);
});
after(async () => { await srv.stop(); });

test('a zip bomb posing as XLSX is refused, not inflated', async () => {
  const up = await upload(admin, fixture('zip_bomb.xlsx'), { object: 'contacts', file_name: 'bomb.xlsx' });
  assert.equal(up.status, 201, up.text);
  assert.match(up.json.preview.error, /zip bomb/);
  const done = await runImport(admin, fixture('zip_bomb.xlsx'), { object: 'contacts' });
  assert.equal(done.status, 'failed');
  assert.match(done.error, /compression ratio/);
  assert.deepEqual(done.counts, { read: 0, created: 0, updated: 0, skipped: 0, rejected: 0 });
});

test('unterminated quotes: the rows before are imported, the broken one is reported', async () => {
  const done = await runImport(admin, fixture('unterminated.csv'), { object: 'contacts', mapping: { name: 'last_name', id: null } });
  assertAccounted(done);
  assert.deepEqual(done.counts, { read: 2, created: 1, updated: 0, skipped: 0, rejected: 1 });
  const rows = await report(raw, done.id);
  assert.equal(rows[0].line, 3);
  assert.match(rows[0].reason, /unterminated quote/);
});

test('garbage, empty files and headers of 20,000 columns fail with a reason', async () => {
  const bin = await runImport(admin, fixture('garbage.bin'), { object: 'contacts', format: 'csv' });
  assert.equal(bin.status, 'failed');
  assert.match(bin.error, /not a text file/);
  assert.equal(fixture('empty.csv').length, 0);
  const empty = await runImport(admin, Buffer.from([0xef, 0xbb, 0xbf, 0x0a]), { object: 'contacts', format: 'csv' });
  assert.equal(empty.status, 'failed');
  assert.match(empty.error, /empty/);
  const wide = Array.from({ length: 20000 }, (_, i) => `c${i}`).join(',') + '\n1\n';
  const w = await runImport(admin, wide, { object: 'contacts' });
  assert.equal(w.status, 'failed');
  assert.match(w.error, /header row/);
});

test('broken UTF-8 inside a UTF-8 file: the damaged rows are rejected, the others imported', async () => {
  const good = Buffer.from('Фамилия,Имя\nЧистов,Иван\nЧистова,Анна\nЧистяков,Пётр\nЧистых,Ольга\nЧистополов,Лев\n', 'utf8');
  const bad = Buffer.concat([good, Buffer.from('Грязнов,'), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('\nЧистый,Ян\n')]);
  const done = await runImport(admin, bad, { object: 'contacts' });
  assertAccounted(done);
  assert.equal(done.encoding, 'utf-8');
  assert.deepEqual(done.counts, { read: 7, created: 6, updated: 0, skipped: 0, rejected: 1 });
  const rows = await report(raw, done.id);
  assert.equal(rows[0].line, 7);
  assert.match(rows[0].reason, /UTF-8/);
});

test('an upload over the size limit is refused before it is stored', async () => {
  const big = Buffer.alloc((8 << 20) + 1, 'a');
  const r = await upload(admin, big, { object: 'contacts' });
  assert.equal(r.status, 413);
  const list = await admin.get('/api/v1/imports?count=true');
  assert.ok(list.json.data.every((i) => i.file_size <= 8 << 20));
});

test('hostile mapping text is refused with a message, never half-read', async () => {
  for (const m of ['\\', 'a='.repeat(1000), '=x', 'a=b:' + 'x'.repeat(100), '{"a": [1]}', '{"a": {"field": "last_name", "values": 3}}']) {
    const r = await upload(admin, 'a\n1\n', { object: 'contacts', mapping: m });
    assert.ok(r.status === 422 || (r.status === 201 && r.json.preview.mapping_errors.length), `${m.slice(0, 20)}: ${r.status} ${r.text.slice(0, 200)}`);
  }
  const up = await upload(admin, 'a\n1\n', { object: 'contacts' });
  const long = await admin.patch(`/api/v1/imports/${up.json.id}`, { mapping: 'a=last_name,'.repeat(7000) });
  assert.equal(long.status, 422);
  assert.match(long.json.errors[0].message, /64 KiB/);
});

// peak resident memory of a command, in KiB (GNU time)
function runMeasured(args, env) {
  return new Promise((resolve, reject) => {
    const p = spawn('/usr/bin/time', ['-f', 'maxrss=%M', BIN, ...args], { env: { ...process.env, ...env } });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`timed out: ${err}`)); }, 55000);
    p.on('exit', (code) => { clearTimeout(timer); resolve({ code, out, err, rss: Number((err.match(/maxrss=(\d+)/) || [])[1]) }); });
  });
}

test('a 1 GB line: cut at the cell limit, reported, and memory does not follow the file', { skip: !existsSync('/usr/bin/time') }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kt-bigline-'));
  try {
    cli(['init', '--data', dir, '--admin-email', ADMIN.email, '--admin-password', ADMIN.password], { dataDir: dir });
    const file = join(dir, 'big.csv');
    const ws = createWriteStream(file);
    const write = (s) => new Promise((res) => { if (ws.write(s)) res(); else ws.once('drain', res); });
    await write('Фамилия,Комментарий\nДо,обычная строка\nОгромный,');
    const chunk = Buffer.alloc(1 << 20, 'x');
    for (let i = 0; i < 1024; i++) await write(chunk);
    await write('\nПосле,обычная строка\n');
    await new Promise((res) => ws.end(res));
    const errors = join(dir, 'errors.csv');
    const r = await runMeasured(['import', 'contacts', file, '--data', dir, '--errors', errors], {});
    assert.equal(r.code, 0, r.err);
    const counts = JSON.parse(r.out.trim().split('\n').pop());
    assert.deepEqual(counts, { read: 3, created: 2, updated: 0, skipped: 0, rejected: 1 });
    assert.ok(r.rss < 256 * 1024, `peak memory ${r.rss} KiB for a 1 GB file`);
    const rep = cli(['import', 'undo', '1', '--data', dir], { dataDir: dir });
    assert.deepEqual(JSON.parse(rep), { deleted: 2, restored: 0, conflicts: 0, gone: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
