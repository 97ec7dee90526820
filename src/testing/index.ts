/// <reference types="node" preserve="true" />
// Kept in the emitted .d.ts: a consumer's TypeScript loads @types/node for
// aiots's declarations by itself (TypeScript 6+ loads no @types package unless
// its tsconfig lists it in "types").
/**
 * aiots/test: aiohttp.test_utils for TypeScript.
 * @module
 */
export { TestServer, type TestServerOptions } from './test-server.js';
export { TestClient, TestResponse, type TestRequestOptions } from './test-client.js';
