/**
 * The demo server against bad requests and bad ports: raw requests over TCP to a server on 127.0.0.1 (malformed
 * request lines, bad percent-encoding, path traversal, over-long targets and headers, other methods, HEAD, foreign
 * Host headers) each get their 4xx and the server keeps answering; a seeded fuzz run of raw request lines and
 * headers gets only well-formed answers or clean closes; through the real CLI, `GET //[` no longer stops
 * `spikerep serve`, and a port in use or out of range is refused in one line.
 */

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SpikerepError } from '../../src/errors.js';
import { reference } from '../../src/kernels/reference/index.js';
import { startDemoServer } from '../../src/serve/server.js';
import { cliArgs, ROOT } from '../support/cli.command.js';
import { exchange, runServerFuzz, statusOf } from '../support/fuzz.server.js';
import { fixtureCheckpoint } from '../support/serve.fixture.js';

let server: Server;
let port: number;
let checkpoint: string;

before(async () => {
  checkpoint = fixtureCheckpoint(mkdtempSync(join(tmpdir(), 'spikerep-serve-'))).path;
  ({ server } = await startDemoServer(reference, { checkpoint, host: '127.0.0.1', port: 0 }));
  port = (server.address() as { port: number }).port;
});

after(() => server?.close());

async function ask(text: string, p = port): Promise<{ status: number | null; head: string }> {
  const o = await exchange(p, new TextEncoder().encode(text), 5000);
  assert.notEqual(o.kind, 'timeout', `no answer to ${JSON.stringify(text.slice(0, 60))}`);
  return o.kind === 'response' ? { status: statusOf(o.head), head: o.head } : { status: null, head: '' };
}

const get = (target: string, host = `127.0.0.1:${port}`, method = 'GET'): string =>
  `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;

test('each bad request gets its 4xx, and the server still serves the page after every one', async () => {
  const cases: [string, number][] = [
    [get('//['), 400],
    [get('/%'), 400],
    [get('/%zz'), 400],
    [get('/%C0%AF'), 400],
    [get('/../../etc/passwd'), 400],
    [get('/%2e%2e/%2e%2e/etc/passwd'), 400],
    [get('/..%2f..%2fetc%2fpasswd'), 400],
    [get('/..%5c..%5cwindows'), 400],
    [get('/nope'), 404],
    [get('/train-data.bin?dataset=cifar10&split=train&n=1'), 400],
    [get('/train-data.bin?dataset=mnist&split=test&n=10001'), 400],
    [get('/train-data.bin'), 400],
    [get(`/${'a'.repeat(4000)}`), 414],
    [`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`, 431],
    [`POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 5\r\n\r\nhello`, 405],
    [get('/', `127.0.0.1:${port}`, 'DELETE'), 405],
    [get('/', `127.0.0.1:${port}`, 'FOO'), 400],
    [get('/', 'evil.example'), 421],
    [get('/', `evil.example:${port}`), 421],
    [get('/', `127.0.0.1:${port + 1}`), 421],
    ['GET / HTTP/1.1\r\nConnection: close\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n', 400],
    ['\x00\x01\x02garbage\r\n\r\n', 400],
  ];
  for (const [text, expected] of cases) {
    const r = await ask(text);
    assert.equal(r.status, expected, `${JSON.stringify(text.slice(0, 60))}: ${r.head.split('\r\n')[0]}`);
    assert.equal((await ask(get('/'))).status, 200, `server up after ${JSON.stringify(text.slice(0, 60))}`);
  }
});

test('HEAD gets the same headers as GET and no body; loopback names and absolute-form are served', async () => {
  const head = await exchange(port, new TextEncoder().encode(get('/model.json', `localhost:${port}`, 'HEAD')), 5000);
  assert.equal(head.kind, 'response');
  const h = head.kind === 'response' ? head.head : '';
  assert.equal(statusOf(h), 200);
  assert.match(h, /content-length: [1-9]\d*/i);
  assert.match(h, /cross-origin-embedder-policy: require-corp/i);
  assert.equal((await ask(get('/model.json', `[::1]:${port}`))).status, 200);
  assert.equal((await ask(get(`http://127.0.0.1:${port}/samples.json`, 'evil.example'))).status, 200);
  const res = await fetch(`http://127.0.0.1:${port}/model.json`, { method: 'HEAD' });
  assert.equal(res.status, 200);
  assert.equal((await res.arrayBuffer()).byteLength, 0);
  assert.ok(Number(res.headers.get('content-length')) > 0);
});

test('fuzz: 300 random and mutated request lines and headers, only well-formed answers or clean closes', async () => {
  const r = await runServerFuzz({ port, inputs: 300, seed: 14, timeoutMs: 5000, budgetMs: 60_000 });
  assert.deepEqual(r.firstProblems, []);
  assert.equal(r.crashes, 0);
  assert.equal(r.hangs, 0);
  assert.equal(r.inputs, 300);
  assert.ok(r.aliveAfter, 'a plain GET still gets 200 after the run');
  // the inputs reach both the refusals and the routes
  assert.ok((r.statuses[200] ?? 0) > 10 && (r.statuses[400] ?? 0) > 10, JSON.stringify(r.statuses));
});

test('a port in use is refused with a SpikerepError naming it, not an internal error', async () => {
  await assert.rejects(
    startDemoServer(reference, { checkpoint, host: '127.0.0.1', port }),
    (e: unknown) => e instanceof SpikerepError && new RegExp(`^port ${port} is in use`).test(e.message),
  );
  await assert.rejects(startDemoServer(reference, { checkpoint, port: 70_000 }), SpikerepError);
});

/** Exactly one "spikerep: …" line matching `expected` on stderr, exit 1, no stack trace, no internal error. */
function oneLine(args: string[], expected: RegExp): void {
  const r = spawnSync(process.execPath, cliArgs(args), {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, SPIKEREP_DEBUG: '' },
  });
  assert.equal(r.status, 1, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, expected);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
}

test('serve --port: in use, 70000 and -1 are refused in one line', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const taken = (busy.address() as { port: number }).port;
  try {
    oneLine(
      ['serve', '--checkpoint', checkpoint, '--port', String(taken)],
      new RegExp(`^spikerep: port ${taken} is in use: pick another with --port, or --port 0 for a free one$`),
    );
  } finally {
    busy.close();
  }
  oneLine(['serve', '--checkpoint', checkpoint, '--port', '70000'], /^spikerep: --port: .*\[0, 65535\], got 70000$/);
  oneLine(['serve', '--checkpoint', checkpoint, '--port', '-1'], /^spikerep: --port: .*\[0, 65535\], got -1$/);
});

test('spikerep serve survives GET //[ and a foreign Host, and keeps serving', async () => {
  const child = spawn(process.execPath, cliArgs(['serve', '--checkpoint', checkpoint, '--port', '0']), {
    cwd: ROOT,
    env: { ...process.env, SPIKEREP_DEBUG: '' },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const served = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 60_000);
      child.stdout.on('data', () => {
        const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
        if (m !== null) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.on('exit', () => reject(new Error(`serve exited: ${err}`)));
    });
    assert.equal((await ask(get('//[', `127.0.0.1:${served}`), served)).status, 400);
    assert.equal((await ask(get('/', 'rebind.example'), served)).status, 421);
    assert.equal((await ask(get('/', `127.0.0.1:${served}`), served)).status, 200);
    assert.equal(child.exitCode, null, 'still running');
    assert.equal(err, '', 'nothing on stderr');
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});
