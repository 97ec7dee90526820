// examples/client_middlewares/*.ts (aiohttp's basic_auth, retry,
// token_refresh, combined and logging middleware examples) run as processes
// against the test servers they start; what they print is checked.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function runExample(name: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', `examples/client_middlewares/${name}.ts`], {
      cwd: root, timeout: 30_000, env: { ...process.env, PORT: '0', RETRY_DELAY: '0.01', SLOW_DELAY: '0.05' },
    }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

test('basic_auth.ts: the middleware authenticates; wrong credentials get a 401', async () => {
  const { stdout, stderr } = await runExample('basic_auth');
  assert.equal(stderr, '');
  assert.match(stdout, /=== Test 1: Correct credentials ===\nAuthentication successful!\nAuthenticated: true\nUser: user\n/);
  assert.match(stdout, /Authentication failed as expected \(wrong credentials\): Invalid username or password/);
  assert.match(stdout, /Successfully accessed protected resource! Response: \{"message":"Access granted to protected resource","auth_provided":true\}/);
});

test('retry.ts: 5xx answers are retried with backoff; 404 is not', async () => {
  const { stdout, stderr } = await runExample('retry');
  const finals = [...stdout.matchAll(/Final status: (\d+)\nResponse: (.*)/g)].map((m) => `${m[1]} ${m[2]}`);
  assert.deepEqual(finals, ['200 Request #1: Status 200', '200 Request #4: Status 200', '500 Request #4: Status 500', '200 Request #2: Status 200']);
  assert.match(stdout, /=== Test 5: Non-retryable status \(404\) ===\nFinal status: 404\n/);
  assert.match(stdout, /Response received after delay: \{"delay":0\.05,"message":"Response after delay"\}/);
  assert.equal((stderr.match(/Retrying request to .*\/sequence\/eventually-ok/g) ?? []).length, 3);
  assert.equal((stderr.match(/Retrying request to .*\/sequence\/flaky \(attempt 2\/4\)/g) ?? []).length, 1);
  assert.match(stderr, /WARNING - Max retries \(3\) exceeded for http:\/\/127\.0\.0\.1:\d+\/sequence\/always-error/);
  assert.doesNotMatch(stderr, /status\/404/);
});

test('token_refresh.ts: one refresh for the first request, one shared by three concurrent ones, one on expiry', async () => {
  const { stdout, stderr } = await runExample('token_refresh');
  assert.match(stdout, /=== Test 1: .*\nSuccess! Response: \{"message":"Access granted to protected resource","user":"testuser"/);
  assert.match(stdout, /User info: \{"user_id":"user123","username":"testuser"/);
  assert.match(stdout, /Request 1: Success\nRequest 2: Success\nRequest 3: Success\nRefreshes for the three: 1\n/);
  assert.match(stdout, /Success after token refresh!/);
  assert.match(stdout, /Status: 401\nFailed as expected without auth: \{"error":"Invalid or expired token"\}/);
  assert.equal((stderr.match(/Refreshing access token/g) ?? []).length, 3);
});

test('combined.ts: logging outside, auth, then retry inside; middlewares: [] bypasses them', async () => {
  const { stdout, stderr } = await runExample('combined');
  assert.match(stdout, /Success after retry! Response: \{"message":"Access granted","user":"user","resource":"protected data"\}/);
  assert.match(stdout, /Success after retries! Response: \{"message":"Success after retries!"/);
  assert.match(stdout, /Final status after retries: 500/);
  assert.match(stdout, /Status: 404 \(no retries for 404\)/);
  assert.match(stdout, /Status without middleware: 401\nFailed as expected - no auth header added/);
  // Logging is outermost: one REQUEST line per call, however many retries.
  assert.equal((stderr.match(/\[REQUEST\]/g) ?? []).length, 4);
  assert.equal((stderr.match(/Retrying request/g) ?? []).length, 1 + 2 + 2);
});

test('logging.ts: each request logged with its status and duration', async () => {
  const { stdout, stderr } = await runExample('logging');
  assert.match(stdout, /Response: \{"message":"Hello, World!"\}\n/);
  assert.match(stdout, /Response: \{"name":"Bob","age":30,"city":"New York"\}/);
  assert.match(stdout, /Concurrent request 2: \{"message":"Hello, User2!"\}/);
  assert.equal((stderr.match(/ - INFO - \[REQUEST\] /g) ?? []).length, 8);
  assert.match(stderr, /INFO - \[RESPONSE\] GET http:\/\/127\.0\.0\.1:\d+\/error\/404 - Status: 404 - Duration: \d+\.\d{3}s/);
  assert.match(stderr, /DEBUG - \[REQUEST HEADERS\] \{.*"content-type":"application\/json"/);
});
