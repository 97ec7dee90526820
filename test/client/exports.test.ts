// aiots/client exports what docs/client.md documents for authentication and
// middlewares (issue 14).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as client from '../../src/client/index.js';

test('aiots/client exports BasicAuth, ClientRequest and DigestAuthMiddleware', () => {
  for (const name of ['BasicAuth', 'ClientRequest', 'DigestAuthMiddleware', 'ClientSession', 'CookieJar']) {
    assert.equal(typeof (client as Record<string, unknown>)[name], 'function', name);
  }
  assert.equal(typeof client.CookieJar.prototype.save, 'function');
  assert.equal(typeof client.CookieJar.prototype.load, 'function');
  assert.equal(typeof client.ClientResponse.prototype.getEncoding, 'function');
});
