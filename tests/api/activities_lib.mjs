// Helpers of the activity, calendar and notification tests: times relative to now, an
// event-stream reader (Server-Sent Events as a browser's EventSource reads them) and the
// iCalendar parser helper built from tests/tools/ical_check.c.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BIN } from './lib.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// an RFC 3339 UTC time `s` seconds from now, at whole seconds (as the server stores them)
export function fromNow(s) {
  return new Date(Math.floor(Date.now() / 1000 + s) * 1000).toISOString().replace('.000Z', 'Z');
}

// polls `fn` until it returns a truthy value or `ms` pass; returns the value or throws
export async function eventually(fn, ms, what = 'condition') {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

// Opens GET /api/v1/events as `client`. Returns {status, headers, events, comments,
// retry, waitFor(pred, ms), close(), ended}: events are {id, event, data} with data parsed
// as JSON; `ended` resolves with 'end' when the server finished the stream cleanly.
export async function openStream(client, headers = {}) {
  const h = { accept: 'text/event-stream', ...headers };
  if (client.bearer) h.authorization = `Bearer ${client.bearer}`;
  if (client.cookie) h.cookie = client.cookie;
  const ctrl = new AbortController();
  const res = await fetch(`${client.base}/api/v1/events`, { headers: h, signal: ctrl.signal });
  const s = { status: res.status, headers: res.headers, events: [], comments: [], retry: null };
  if (res.status !== 200) { s.text = await res.text(); return s; }
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let pending = '';
  const block = (text) => {
    const ev = { id: null, event: 'message', data: [] };
    for (const line of text.split('\n')) {
      if (line.startsWith(':')) { s.comments.push(line.slice(1).trim()); continue; }
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'id') ev.id = value;
      else if (field === 'event') ev.event = value;
      else if (field === 'data') ev.data.push(value);
      else if (field === 'retry') s.retry = Number(value);
    }
    if (ev.data.length) s.events.push({ ...ev, data: JSON.parse(ev.data.join('\n')) });
  };
  s.ended = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return 'end';
        pending += dec.decode(value, { stream: true });
        let k;
        while ((k = pending.indexOf('\n\n')) >= 0) { block(pending.slice(0, k)); pending = pending.slice(k + 2); }
      }
    } catch (e) {
      return ctrl.signal.aborted ? 'aborted' : `error: ${e.message}`;
    }
  })();
  s.waitFor = (pred, ms = 5000) => eventually(() => s.events.find(pred), ms, 'an event');
  s.close = () => ctrl.abort();
  return s;
}

// the iCalendar parser helper: next to the binary under test, else the plain build's
export function icalCheck(text) {
  const near = join(dirname(BIN), 'tests/tools/ical_check');
  const tool = existsSync(near) ? near : resolve('build/tests/tools/ical_check');
  try {
    return JSON.parse(execFileSync(tool, [], { input: text, encoding: 'utf8' }));
  } catch (e) {
    if (e.stdout) return { ...JSON.parse(e.stdout), failed: true };
    throw e;
  }
}
