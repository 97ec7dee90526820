/**
 * aiots/test: aiohttp.test_utils for TypeScript.
 * @module
 */
export { TestServer, type TestServerOptions } from './test-server.js';
export { TestClient, TestResponse, type TestRequestOptions } from './test-client.js';
