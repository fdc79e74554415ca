// `kartoteka import` and `kartoteka export` as an administrator runs them over ssh: one JSON
// line of counts at the end, the report with --errors, --dry-run, --map, --region,
// --on-duplicate, undo by id, and exports to CSV/XLSX/vCard with a filter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cli, BIN, ADMIN, startServer } from './lib.mjs';
import { FIXTURES, parseCsv } from './import_lib.mjs';

let dir;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kt-cli-import-'));
  cli(['init', '--data', dir, '--admin-email', ADMIN.email, '--admin-password', ADMIN.password], { dataDir: dir });
});
after(() => { if (!process.env.KT_KEEP) rmSync(dir, { recursive: true, force: true }); });

// runs the binary; returns exit status, stdout, stderr and the last stdout line as JSON
function run(args, env = {}) {
  const r = spawnSync(BIN, args, { env: { ...process.env, KARTOTEKA_DATA: dir, ...env }, encoding: 'utf8', timeout: 50000 });
  const last = r.stdout.trim().split('\n').pop();
  let json = null;
  try { json = JSON.parse(last); } catch { /* not JSON */ }
  return { status: r.status, out: r.stdout, err: r.stderr, json };
}

const sql = (q) => spawnSync('sqlite3', [join(dir, 'kartoteka.db'), q], { encoding: 'utf8' }).stdout.trim();

test('import ends with one JSON line of counts and writes the report with --errors', () => {
  const errors = join(dir, 'errors.csv');
  const r = run(['import', 'contacts', resolve(FIXTURES, 'contacts_mixed.csv'), '--errors', errors]);
  assert.equal(r.status, 0, r.err);
  assert.deepEqual(r.json, { read: 9, created: 4, updated: 0, skipped: 2, rejected: 3 });
  assert.deepEqual(Object.keys(r.json), ['read', 'created', 'updated', 'skipped', 'rejected']);
  assert.equal(r.out.trim().split('\n').length, 1, 'stdout holds the JSON line only');
  assert.doesNotMatch(r.err, /\r\[/, 'no progress bar when stderr is not a terminal');
  const rows = parseCsv(readFileSync(errors, 'utf8'));
  assert.deepEqual(rows[0].slice(0, 4), ['line', 'status', 'reason', 'Имя']);
  assert.deepEqual(rows.slice(1).map((x) => `${x[0]} ${x[1]}`), ['4 rejected', '5 rejected', '6 skipped', '7 skipped', '8 rejected']);
});

test('--dry-run (even before the file), --map, --region and --on-duplicate', () => {
  const csv = join(dir, 'pl.csv');
  writeFileSync(csv, 'Nazwisko,Imię,Tel.,Uwagi\nWiśniewski,Paweł,601 234 567,klient od 2019\nZieliński,Jan,22 123 45 67,\n');
  const dry = run(['import', 'contacts', '--dry-run', csv, '--region', 'PL', '--map', 'Tel.=phones:work,Uwagi=notes']);
  assert.equal(dry.status, 0, dry.err);
  assert.deepEqual(dry.json, { read: 2, created: 2, updated: 0, skipped: 0, rejected: 0 });
  assert.equal(sql("SELECT count(*) FROM contacts WHERE last_name = 'Wiśniewski'"), '0', 'a dry run writes nothing');

  const real = run(['import', 'contacts', csv, '--region', 'PL', '--map', 'Tel.=phones:work,Uwagi=notes']);
  assert.deepEqual(real.json, { read: 2, created: 2, updated: 0, skipped: 0, rejected: 0 });
  const phones = JSON.parse(sql("SELECT phones FROM contacts WHERE last_name = 'Wiśniewski'"));
  assert.equal(phones[0].e164, '+48601234567', 'read as a Polish number under --region PL');
  assert.equal(phones[0].label, 'work');

  writeFileSync(csv, 'Nazwisko,Tel.,Stanowisko\nWiśniewski,+48 601 234 567,prezes\n');
  const upd = run(['import', 'contacts', csv, '--on-duplicate', 'update', '--map', 'Tel.=phones']);
  assert.deepEqual(upd.json, { read: 1, created: 0, updated: 1, skipped: 0, rejected: 0 });
  assert.equal(sql("SELECT position FROM contacts WHERE last_name = 'Wiśniewski'"), 'prezes');
  const id = Number(sql('SELECT max(id) FROM imports'));
  const undo = run(['import', 'undo', String(id)]);
  assert.equal(undo.status, 0, undo.err);
  assert.deepEqual(undo.json, { deleted: 0, restored: 1, conflicts: 0, gone: 0 });
  assert.equal(sql("SELECT position FROM contacts WHERE last_name = 'Wiśniewski'"), '');
  assert.equal(run(['import', 'undo', String(id)]).status, 1, 'an undone import cannot be undone again');
});

test('XLSX sheets, encodings and vCards from the command line', () => {
  const x = run(['import', 'companies', resolve(FIXTURES, 'companies_libreoffice.xlsx'), '--sheet', 'Archiwum']);
  assert.deepEqual(x.json, { read: 1, created: 1, updated: 0, skipped: 0, rejected: 0 });
  const w = run(['import', 'companies', resolve(FIXTURES, 'companies_cp1251.csv'), '--encoding', 'windows-1251']);
  assert.deepEqual(w.json, { read: 5, created: 3, updated: 0, skipped: 2, rejected: 0 });
  assert.equal(sql("SELECT count(*) FROM contacts c JOIN contact_companies l ON l.contact_id = c.id JOIN companies o ON o.id = l.company_id WHERE o.name = 'АО \"Вектор\"' AND c.last_name = 'Петрова'"), '1',
    'the contact person column made a contact linked to the company');
  const v = run(['import', 'contacts', resolve(FIXTURES, 'contacts_v4.vcf')]);
  assert.deepEqual(v.json, { read: 3, created: 2, updated: 0, skipped: 0, rejected: 1 });
});

test('mistakes are refused with a message and a non-zero status', () => {
  const cases = [
    [['import', 'contacts'], 2, /usage/],
    [['import', 'leads', 'x.csv'], 2, /usage/],
    [['import', 'contacts', '/nonexistent.csv'], 1, /cannot open/],
    [['import', 'contacts', resolve(FIXTURES, 'formulas.csv'), '--on-duplicate', 'merge'], 2, /on_duplicate/],
    [['import', 'contacts', resolve(FIXTURES, 'formulas.csv'), '--map', 'nothing'], 2, /has no '='/],
    [['import', 'contacts', resolve(FIXTURES, 'formulas.csv'), '--bogus', '1'], 2, /unknown option --bogus/],
    [['import', 'contacts', resolve(FIXTURES, 'formulas.csv'), '--owner', 'ghost@example.com'], 1, /no active user/],
    [['import', 'contacts', resolve(FIXTURES, 'garbage.bin')], 1, /not a text file/],
    [['export', 'contacts', '--format', 'pdf', '--out', join(dir, 'x')], 2, /--format/],
    [['export', 'deals', '--format', 'vcard', '--out', join(dir, 'x.vcf')], 2, /vCard/],
    [['export', 'contacts', '--out', join(dir, 'x.csv'), '--filter', 'nope eq 1'], 2, /unknown field/],
    [['export', 'contacts'], 2, /usage/],
  ];
  for (const [args, status, msg] of cases) {
    const r = run(args);
    assert.equal(r.status, status, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, msg, args.join(' '));
  }
});

test('export to CSV, XLSX and vCard with a filter, each recorded in the audit trail', () => {
  const csvOut = join(dir, 'out.csv');
  const c = run(['export', 'contacts', '--format', 'csv', '--out', csvOut, '--filter', 'last_name eq Nowak']);
  assert.equal(c.status, 0, c.err);
  assert.deepEqual({ ...c.json, export_id: 0 }, { rows: 1, format: 'csv', export_id: 0 });
  const rows = parseCsv(readFileSync(csvOut, 'utf8'));
  assert.equal(rows.length, 2);
  assert.equal(rows[1][rows[0].indexOf('last_name')], 'Nowak');
  const x = run(['export', 'companies', '--format', 'xlsx', '--out', join(dir, 'out.xlsx')]);
  assert.equal(x.status, 0, x.err);
  assert.equal(readFileSync(join(dir, 'out.xlsx')).subarray(0, 2).toString(), 'PK');
  const v = run(['export', 'contacts', '--format', 'vcard', '--out', join(dir, 'out.vcf')]);
  assert.equal(v.status, 0, v.err);
  const cards = readFileSync(join(dir, 'out.vcf'), 'utf8').match(/BEGIN:VCARD/g).length;
  assert.equal(cards, v.json.rows);
  assert.equal(sql("SELECT count(*) FROM audit WHERE object = 'export' AND action = 'export'"), '3');
  assert.equal(sql('SELECT count(*) FROM exports WHERE file_path IS NOT NULL'), '0', 'the server never sweeps the administrator\'s own files');
  assert.match(sql(`SELECT changes FROM audit WHERE object = 'export' AND object_id = ${c.json.export_id}`), /"filter":\[null,"last_name eq Nowak"\]/);
  const back = run(['import', 'contacts', join(dir, 'out.vcf'), '--dry-run']);
  assert.equal(back.json.read, cards);
  assert.equal(back.json.skipped + back.json.rejected + back.json.created, cards);
});

test('full-text rows of an import: imported cards are found at once; a row rolled back and a dry run leave none', () => {
  // row 3 links a company, then fails (no name, phone or email): the company goes with it
  const csv = join(dir, 'fts.csv');
  writeFileSync(csv, 'First name,Last name,Phone,Company\r\n' +
    'Ftsalpha,Kowalczyk,+48 22 555 01 01,Ftsfirma Alpha\r\n' +
    'Ftsbeta,Nowacka,+48 22 555 01 02,\r\n' +
    ',,,Ftsfirma Rejected\r\n');
  const dry = run(['import', 'contacts', csv, '--dry-run']);
  assert.equal(dry.status, 0, dry.err);
  assert.deepEqual(dry.json, { read: 3, created: 2, updated: 0, skipped: 0, rejected: 1 });
  assert.equal(sql("SELECT count(*) FROM contacts_fts WHERE contacts_fts MATCH 'ftsalpha OR ftsbeta'"), '0');
  assert.equal(sql("SELECT count(*) FROM companies_fts WHERE companies_fts MATCH 'ftsfirma'"), '0');
  const r = run(['import', 'contacts', csv]);
  assert.equal(r.status, 0, r.err);
  assert.deepEqual(r.json, { read: 3, created: 2, updated: 0, skipped: 0, rejected: 1 });
  const ids = sql("SELECT group_concat(id) FROM (SELECT id FROM contacts WHERE first_name IN ('Ftsalpha', 'Ftsbeta') ORDER BY id)");
  assert.equal(sql("SELECT group_concat(rowid) FROM (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH 'fts*' ORDER BY rowid)"), ids);
  assert.equal(sql("SELECT count(*) FROM contacts_fts WHERE contacts_fts MATCH 'ftsalpha AND ftsfirma AND 48225550101'"), '1',
    'the body holds names, company and number');
  assert.equal(sql("SELECT group_concat(name) FROM companies WHERE name LIKE 'Ftsfirma%'"), 'Ftsfirma Alpha');
  assert.equal(sql("SELECT count(*) FROM companies_fts WHERE companies_fts MATCH 'ftsfirma'"), '1');
  assert.equal(sql("SELECT count(*) FROM companies_fts WHERE companies_fts MATCH 'rejected'"), '0');
});

test('--help shows the usage of both commands', () => {
  const i = spawnSync(BIN, ['import', '--help'], { encoding: 'utf8' });
  assert.equal(i.status, 0);
  assert.match(i.stdout, /kartoteka import contacts\|companies\|deals FILE/);
  const e = spawnSync(BIN, ['export', '--help'], { encoding: 'utf8' });
  assert.match(e.stdout, /--format csv\|xlsx\|vcard/);
});

test('a command-line import beside a running server: the server\'s worker leaves it alone', async () => {
  const srv = await startServer({ dataDir: dir });
  try {
    const csv = join(dir, 'many.csv');
    const lines = ['Фамилия,Имя,E-mail'];
    for (let i = 0; i < 3000; i++) lines.push(`Параллельный,Номер ${i},par${i}@example.com`);
    writeFileSync(csv, lines.join('\n') + '\n');
    const r = await new Promise((res) => {
      const p = spawn(BIN, ['import', 'contacts', csv], { env: { ...process.env, KARTOTEKA_DATA: dir } });
      let out = '', err = '';
      p.stdout.on('data', (d) => { out += d; });
      p.stderr.on('data', (d) => { err += d; });
      p.on('exit', (status) => res({ status, out, err }));
    });
    assert.equal(r.status, 0, r.err);
    assert.deepEqual(JSON.parse(r.out.trim()), { read: 3000, created: 3000, updated: 0, skipped: 0, rejected: 0 });
    assert.equal(sql("SELECT count(*) FROM contacts WHERE last_name = 'Параллельный'"), '3000', 'every row once, not twice');
    const id = sql('SELECT max(id) FROM imports');
    assert.doesNotMatch(srv.stderr, new RegExp(`import id=${id} `), 'the worker never ran it');
  } finally {
    await srv.halt();
  }
});
