// Helpers of the import/export tests: upload a fixture, wait for a job, read the report.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const FIXTURES = resolve('tests/fixtures/import');
export const fixture = (name) => readFileSync(resolve(FIXTURES, name));

const TYPES = { csv: 'text/csv', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', vcf: 'text/vcard' };

// POST /api/v1/imports with the file as the raw body and the settings as query arguments
export function upload(client, body, args = {}) {
  const q = new URLSearchParams(Object.entries(args).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]));
  const ext = String(args.file_name || '').split('.').pop();
  return client.req('POST', `/api/v1/imports?${q}`, body, { 'content-type': TYPES[ext] || 'application/octet-stream' });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// polls the import until it leaves queued/running/cancelling/undoing (15 s at most)
export async function settle(client, id) {
  for (let i = 0; i < 300; i++) {
    const r = await client.get(`/api/v1/imports/${id}`);
    assert.equal(r.status, 200, r.text);
    if (!['queued', 'running', 'cancelling', 'undoing'].includes(r.json.status)) return r.json;
    await sleep(50);
  }
  throw new Error(`import ${id} did not finish`);
}

// upload + start + wait; returns the finished import
export async function runImport(client, body, args = {}) {
  const r = await upload(client, body, { ...args, start: true, preview_rows: 0 });
  assert.equal(r.status, 201, r.text);
  return settle(client, r.json.id);
}

// read = created + updated + skipped + rejected: nothing silently lost
export function assertAccounted(imp) {
  const n = imp.counts;
  assert.equal(n.read, n.created + n.updated + n.skipped + n.rejected, JSON.stringify(n));
}

// the report CSV as rows of cells (a small RFC 4180 parser: quotes, doubled quotes, CRLF)
export function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', quoted = false;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; }
    else if (ch === '\r' && s[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else if (ch === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; }
    else cell += ch;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

export async function report(client, id) {
  const r = await client.get(`/api/v1/imports/${id}/errors`);
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /^text\/csv/);
  const rows = parseCsv(r.text);
  assert.deepEqual(rows[0].slice(0, 3), ['line', 'status', 'reason']);
  return rows.slice(1).map((c) => ({ line: Number(c[0]), status: c[1], reason: c[2], cells: c.slice(3) }));
}
