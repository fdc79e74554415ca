// The server remembers the principal of an API token per worker thread while the database
// has not changed (domain/auth.c). A revocation written by the same worker thread, outside
// any transaction, must end the token at once as well: one worker makes that thread certain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client } from './lib.mjs';

let srv;
before(async () => { srv = await startServer({ args: ['--workers', '1'] }); });
after(async () => { await srv.stop(); });

test('a token revoked on the same worker thread stops working at once, however often it was used', async () => {
  const session = await new Client(srv.url).login();
  for (let round = 0; round < 5; round++) {
    const made = await session.post('/api/v1/auth/tokens', { name: `memo ${round}` });
    assert.equal(made.status, 201, made.text);
    const bearer = new Client(srv.url);
    bearer.bearer = made.json.token;
    for (let i = 0; i < 3; i++) assert.equal((await bearer.get('/api/v1/auth/me')).status, 200);
    assert.equal((await session.del(`/api/v1/auth/tokens/${made.json.id}`)).status, 204);
    const after = await bearer.get('/api/v1/auth/me');
    assert.equal(after.status, 401, `round ${round}: ${after.text}`);
  }
});
