// The administrator's command line against a real data directory: init, migrate, --help,
// bad settings, backup while serving, restore (refused under a running server), and the
// documentation of every setting.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { BIN, startServer, adminClient, cli, ADMIN, Client } from '../lib.mjs';

const scratch = mkdtempSync(join(tmpdir(), 'kt-admin-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function run(args, env = {}) {
  try {
    const out = execFileSync(BIN, args, { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, out, err: '' };
  } catch (e) {
    return { code: e.status, out: e.stdout, err: e.stderr };
  }
}

test('init creates the database and a first admin with a generated password, once', () => {
  const dir = join(scratch, 'fresh');
  const r = run(['init', '--data', dir]);
  assert.equal(r.code, 0, r.err);
  const m = /admin login: (\S+)\n\s+password:\s+(\S+)/.exec(r.out);
  assert.ok(m, r.out);
  assert.equal(m[1], 'admin@example.com');
  assert.ok(m[2].length >= 20);
  const file = join(dir, 'initial-admin.txt');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.match(readFileSync(file, 'utf8'), new RegExp(`password: ${m[2]}`));
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  const again = run(['init', '--data', dir]);
  assert.equal(again.code, 0);
  assert.match(again.out, /already set up/);
  const mig = run(['migrate', '--data', dir]);
  assert.equal(mig.code, 0, mig.err);
  assert.match(mig.out, /schema up to date: \d+ migration steps applied/);
});

test('commands refuse bad settings and missing directories with a message and exit 2 or 1', () => {
  assert.equal(run([]).code, 2);
  assert.equal(run(['frobnicate']).code, 2);
  for (const args of [['serve', '--workers', '0'], ['serve', '--workers', 'many'], ['serve', '--max-body', '10'], ['serve', '--timeout', '-1']]) {
    const r = run([...args, '--data', join(scratch, 'nowhere')]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, /must be a number from/);
  }
  for (const listen of ['127.0.0.1', '127.0.0.1:abc', '127.0.0.1:0', '127.0.0.1:70000', '127.0.0.1:80x']) {
    const r = run(['serve', '--data', join(scratch, 'nowhere'), '--listen', listen]);
    assert.equal(r.code, 2, listen);
    assert.match(r.err, /--listen must be HOST:PORT/);
  }
  const missing = run(['serve', '--data', join(scratch, 'nowhere')]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /does not exist; run kartoteka init first/);
  const unknown = run(['serve', '--data', join(scratch, 'nowhere'), '--colour', 'red']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown option --colour/);
  const envBad = run(['user', 'list', '--data', join(scratch, 'nowhere')], { KARTOTEKA_WORKERS: '9999' });
  assert.match(envBad.err, /KARTOTEKA_WORKERS/);
});

test('--help of every command lists the settings, and the docs describe each of them', () => {
  const top = run(['--help']);
  assert.equal(top.code, 0);
  const flags = [...top.out.matchAll(/^\s+--([a-z-]+)\s+(KARTOTEKA_[A-Z_]+)/gm)].map((m) => [m[1], m[2]]);
  assert.ok(flags.length >= 8, top.out);
  for (const c of ['init', 'serve', 'migrate', 'user', 'backup', 'restore']) {
    const r = run([c, '--help']);
    assert.equal(r.code, 0, c);
    assert.match(r.out, new RegExp(`usage: kartoteka ${c}`));
  }
  const docs = ['docs/configuration.md', 'docs/admin.md'].map((f) => [f, readFileSync(f, 'utf8')]);
  for (const [flag, env] of flags)
    for (const [f, text] of docs) {
      assert.ok(text.includes(`--${flag}`), `${f} does not mention --${flag}`);
      assert.ok(text.includes(env), `${f} does not mention ${env}`);
    }
  for (const c of ['init', 'serve', 'migrate', 'user add', 'user list', 'user disable', 'backup', 'restore'])
    assert.ok(docs[1][1].includes(`kartoteka ${c}`), `docs/admin.md does not show kartoteka ${c}`);
});

test('backup while serving, restore refused under the server, then restored', async () => {
  const srv = await startServer();
  const admin = await adminClient(srv);
  assert.equal((await admin.post('/api/v1/teams', { name: 'Before backup' })).status, 201);
  const file = join(scratch, 'backup.db');
  const b = run(['backup', '--data', srv.dataDir, '--to', file]);
  assert.equal(b.code, 0, b.err);
  assert.match(b.out, /backup written/);
  assert.equal(run(['backup', '--data', srv.dataDir, '--to', file]).code, 1, 'an existing file is not overwritten');
  assert.equal((await admin.post('/api/v1/teams', { name: 'After backup' })).status, 201);
  const refused = run(['restore', '--data', srv.dataDir, '--from', file]);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /server is running/);
  assert.equal((await admin.get('/api/v1/teams?name=After%20backup')).json.data.length, 1, 'the refused restore changed nothing');
  await srv.halt();
  const garbage = join(scratch, 'garbage.db');
  writeFileSync(garbage, 'this is not a database');
  assert.equal(run(['restore', '--data', srv.dataDir, '--from', garbage]).code, 1);
  assert.equal(run(['restore', '--data', srv.dataDir, '--from', join(scratch, 'missing.db')]).code, 1);
  const ok = run(['restore', '--data', srv.dataDir, '--from', file]);
  assert.equal(ok.code, 0, ok.err);
  await srv.launch();
  const a2 = await new Client(srv.url).login(ADMIN.email, ADMIN.password);
  assert.equal((await a2.get('/api/v1/teams?name=Before%20backup')).json.data.length, 1);
  assert.equal((await a2.get('/api/v1/teams?name=After%20backup')).json.data.length, 0);
  await srv.stop();
  // onto a new machine: the data directory does not exist yet
  const fresh = join(scratch, 'new-machine');
  assert.equal(run(['restore', '--data', fresh, '--from', file]).code, 0);
  assert.ok(existsSync(join(fresh, 'kartoteka.db')));
  assert.match(cli(['user', 'list', '--data', fresh], { dataDir: fresh }), new RegExp(ADMIN.email));
});
