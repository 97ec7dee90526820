// The export surface of aiots/web and aiots/test: every documented name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as testing from '../../src/testing/index.js';
import * as web from '../../src/web/index.js';

test('aiots/web exports what docs/web.md documents', () => {
  const names = [
    'Application', 'AppKey', 'UrlDispatcher', 'Resource', 'PlainResource', 'DynamicResource', 'PrefixedSubAppResource', 'ResourceRoute',
    'RouteTableDef', 'View', 'route', 'get', 'head', 'post', 'put', 'patch', 'delete', 'view', 'Request', 'Response', 'StreamResponse',
    'jsonResponse', 'middleware', 'normalizePathMiddleware', 'runApp', 'AppRunner', 'ServerRunner', 'Server', 'TCPSite', 'UnixSite', 'BaseSite', 'AppServer',
    'CIMultiDict', 'RequestHeaders', 'Signal', 'MultiDictProxy', 'FileField', 'MultipartReader', 'BodyPartReader', 'ConnectionResetError', 'DEFAULT_ACCESS_LOG_FORMAT',
    'compressionMiddleware', 'EventSourceResponse',
    'HTTPException', 'HTTPSuccessful', 'HTTPRedirection', 'HTTPMove', 'HTTPError', 'HTTPClientError', 'HTTPServerError',
    'WebSocketResponse', 'WSMsgType', 'WSCloseCode',
    'FileResponse', 'StaticResource', 'static', 'staticFiles',
  ];
  for (const n of names) assert.ok(n in web, n);
});

test('every aiohttp HTTP status class exists with its status', () => {
  const statuses: Record<string, number> = {
    HTTPOk: 200, HTTPCreated: 201, HTTPAccepted: 202, HTTPNonAuthoritativeInformation: 203, HTTPNoContent: 204, HTTPResetContent: 205,
    HTTPPartialContent: 206, HTTPMultipleChoices: 300, HTTPMovedPermanently: 301, HTTPFound: 302, HTTPSeeOther: 303, HTTPNotModified: 304,
    HTTPUseProxy: 305, HTTPTemporaryRedirect: 307, HTTPPermanentRedirect: 308, HTTPBadRequest: 400, HTTPUnauthorized: 401,
    HTTPPaymentRequired: 402, HTTPForbidden: 403, HTTPNotFound: 404, HTTPMethodNotAllowed: 405, HTTPNotAcceptable: 406,
    HTTPProxyAuthenticationRequired: 407, HTTPRequestTimeout: 408, HTTPConflict: 409, HTTPGone: 410, HTTPLengthRequired: 411,
    HTTPPreconditionFailed: 412, HTTPRequestEntityTooLarge: 413, HTTPRequestURITooLong: 414, HTTPUnsupportedMediaType: 415,
    HTTPRequestRangeNotSatisfiable: 416, HTTPExpectationFailed: 417, HTTPMisdirectedRequest: 421, HTTPUnprocessableEntity: 422,
    HTTPFailedDependency: 424, HTTPUpgradeRequired: 426, HTTPPreconditionRequired: 428, HTTPTooManyRequests: 429,
    HTTPRequestHeaderFieldsTooLarge: 431, HTTPUnavailableForLegalReasons: 451, HTTPInternalServerError: 500, HTTPNotImplemented: 501,
    HTTPBadGateway: 502, HTTPServiceUnavailable: 503, HTTPGatewayTimeout: 504, HTTPVersionNotSupported: 505,
    HTTPVariantAlsoNegotiates: 506, HTTPInsufficientStorage: 507, HTTPNotExtended: 510, HTTPNetworkAuthenticationRequired: 511,
  };
  for (const [name, status] of Object.entries(statuses)) {
    const cls = (web as unknown as Record<string, typeof web.HTTPException>)[name];
    assert.ok(cls !== undefined, name);
    assert.equal(cls.statusCode, status, name);
  }
});

test('aiots/test exports TestServer, TestClient, TestResponse', () => {
  for (const n of ['TestServer', 'TestClient', 'TestResponse']) assert.ok(n in testing, n);
  assert.equal(typeof testing.TestClient.prototype.wsConnect, 'function');
});

test('aiots/web\'s WSMsgType and WSCloseCode are the client\'s (one message layer)', async () => {
  const client = await import('../../src/client/index.js');
  assert.equal(web.WSMsgType, client.WSMsgType);
  assert.equal(web.WSCloseCode, client.WSCloseCode);
});

test('AppKey<T> types app.get', () => {
  const k = new web.AppKey<{ n: number }>('k');
  const app = new web.Application();
  app.set(k, { n: 1 });
  const v: { n: number } = app.get(k);
  // @ts-expect-error a string is not a { n: number }
  app.set(k, 'nope');
  assert.equal(v.n, 1);
});
