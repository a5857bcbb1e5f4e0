/**
 * Fuzzing the demo server's request handling over raw TCP: seeded valid requests (GET/HEAD of its routes, query
 * strings, absolute-form, HTTP/1.0) are mutated byte-wise (robust.fuzz-targets.ts) or structurally (method, target,
 * version, line endings, Host, oversized and malformed headers, bodies) and sent one connection each to a server on
 * 127.0.0.1. Allowed outcomes: a well-formed HTTP/1.x response with a status below 500, or the server closing the
 * connection. A 5xx, a malformed response, an uncaught exception in this process or no answer within the timeout is
 * counted; after the run the server must still answer a plain GET. Shared by test/e2e/serve.requests.test.ts and
 * scripts/fuzz.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reference } from '../../src/kernels/reference/index.js';
import { Rng } from '../../src/rng.js';
import { startDemoServer } from '../../src/serve/server.js';
import { mutateBytes } from './robust.fuzz-targets.js';
import { fixtureCheckpoint } from './serve.fixture.js';

export interface ServerFuzzResult {
  inputs: number;
  /** Answered with a well-formed response, by status. */
  statuses: Record<number, number>;
  /** Closed by the server without a response. */
  closed: number;
  /** 5xx, malformed responses and uncaught exceptions. */
  crashes: number;
  /** No response nor close within the timeout. */
  hangs: number;
  firstProblems: string[];
  /** Whether a plain GET of "/" still got 200 after the run. */
  aliveAfter: boolean;
  seconds: number;
}

export interface ServerFuzzOptions {
  /** The port of a server listening on 127.0.0.1 (the only address this connects to). */
  readonly port: number;
  readonly inputs: number;
  readonly seed: number;
  /** Per request, ms. */
  readonly timeoutMs?: number;
  /** Stops early (counting the inputs sent) once this much time has passed, ms. */
  readonly budgetMs?: number;
}

const HOST = '127.0.0.1';
const enc = new TextEncoder();

type Outcome = { kind: 'response'; head: string } | { kind: 'closed' } | { kind: 'timeout' };

/** Sends `bytes` on a fresh connection, half-closes, and waits for the first response head or the close. */
export function exchange(port: number, bytes: Uint8Array, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    let got = Buffer.alloc(0);
    let done = false;
    const finish = (o: Outcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(o);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    socket.on('connect', () => {
      socket.write(bytes);
      socket.end();
    });
    socket.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const end = got.indexOf('\r\n\r\n');
      if (end >= 0) finish({ kind: 'response', head: got.subarray(0, end).toString('latin1') });
    });
    // a reset after the server refused is a close; what it sent first still counts
    socket.on('error', () => undefined);
    socket.on('close', () =>
      finish(got.length > 0 ? { kind: 'response', head: got.toString('latin1') } : { kind: 'closed' }),
    );
  });
}

/** The status of a well-formed response head, or null. */
export function statusOf(head: string): number | null {
  const m = /^HTTP\/1\.[01] ([1-5]\d\d) [^\r\n]*\r\n/.exec(`${head}\r\n`);
  return m === null ? null : Number(m[1]);
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'PATCH', 'FOO', 'get', ''];
const PATHS = [
  '/',
  '/model.json',
  '/app.js',
  '/train-data.json',
  '/train-data.bin?dataset=mnist&split=test&n=2',
  '/train-data.bin?dataset=mnist&split=test&n=99999999',
  '/train-data.bin?dataset=%zz',
  '/nope',
  '//[',
  '/%',
  '/%zz',
  '/%E0%A4%A',
  '/%C0%AF',
  '/%00',
  '/../../etc/passwd',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/..%2fetc%2fpasswd',
  '/..%5c..%5cwindows',
  '/.',
  '/./model.json',
  '*',
  '',
  'model.json',
  'http://127.0.0.1/',
  'http://evil.example/',
  'http://[/',
  '/?a=%',
  '/#frag',
  '/\u00e9',
  '/a b',
  `/${'a'.repeat(3000)}`,
  `/${'%41'.repeat(9000)}`,
];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1x', 'http/1.1', ''];

function hostValues(port: number): string[] {
  return [
    `127.0.0.1:${port}`,
    `localhost:${port}`,
    `[::1]:${port}`,
    'evil.example',
    `evil.example:${port}`,
    '127.0.0.1',
    `127.0.0.1:${port + 1}`,
    '',
    '[',
    `LOCALHOST:${port}`,
  ];
}

function pick<T>(a: readonly T[], rng: Rng): T {
  return a[rng.int(a.length)]!;
}

/** One structured request: each part valid or taken from the lists of awkward values above. */
function structured(port: number, rng: Rng): string {
  const hosts = hostValues(port);
  const method = rng.int(3) === 0 ? pick(METHODS, rng) : 'GET';
  const path = rng.int(2) === 0 ? pick(PATHS, rng) : '/';
  const version = rng.int(4) === 0 ? pick(VERSIONS, rng) : 'HTTP/1.1';
  const headers: string[] = [];
  const hostChoice = rng.int(6);
  if (hostChoice === 0) {
    // no Host
  } else if (hostChoice === 1) headers.push(`Host: ${pick(hosts, rng)}`, `Host: ${pick(hosts, rng)}`);
  else headers.push(`Host: ${rng.int(2) === 0 ? hosts[0] : pick(hosts, rng)}`);
  for (let k = rng.int(2) === 0 ? 0 : 1 + rng.int(3); k > 0; k--) {
    switch (rng.int(10)) {
      case 0:
        headers.push(`X-Big: ${'x'.repeat(1 + rng.int(40_000))}`);
        break;
      case 1:
        for (let j = 0; j < 200 + rng.int(3000); j++) headers.push(`X-${j}: ${j}`);
        break;
      case 2:
        headers.push('NoColonHere');
        break;
      case 3:
        headers.push(' folded: continuation');
        break;
      case 4:
        headers.push(`Content-Length: ${pick(['0', '5', '-1', '1e3', '99999999999999999999', '5, 6'], rng)}`);
        break;
      case 5:
        headers.push('Transfer-Encoding: chunked');
        break;
      case 6:
        headers.push('Bad Name: x', 'X-\u0001: y');
        break;
      case 7:
        headers.push(`Connection: ${pick(['close', 'keep-alive', 'upgrade'], rng)}`, 'Upgrade: websocket');
        break;
      case 8:
        headers.push('Expect: 100-continue');
        break;
      default:
        headers.push(`X-Unicode: ${'\u00e9\u2028'.repeat(1 + rng.int(10))}`);
    }
  }
  const eol = rng.int(8) === 0 ? '\n' : '\r\n';
  const line = version === '' ? `${method} ${path}` : `${method} ${path} ${version}`;
  let text = `${line}${eol}${headers.map((h) => h + eol).join('')}${eol}`;
  if (rng.int(6) === 0)
    text += pick(['hello', '5\r\nhello\r\n0\r\n\r\n', 'zz\r\n', `GET / HTTP/1.1\r\nHost: ${hosts[0]}\r\n\r\n`], rng);
  if (rng.int(8) === 0) text = text.slice(0, rng.int(text.length + 1));
  return text;
}

function seeds(port: number): Uint8Array[] {
  const host = `Host: 127.0.0.1:${port}\r\n`;
  return [
    `GET / HTTP/1.1\r\n${host}\r\n`,
    `HEAD /model.json HTTP/1.1\r\n${host}Accept: */*\r\n\r\n`,
    `GET /app.js?v=1 HTTP/1.1\r\n${host}User-Agent: fuzz\r\nConnection: close\r\n\r\n`,
    `GET http://127.0.0.1:${port}/samples.json HTTP/1.1\r\n${host}\r\n`,
    `GET / HTTP/1.0\r\n${host}\r\n`,
  ].map((s) => enc.encode(s));
}

/** Runs the campaign against a server already listening on 127.0.0.1:`port`. */
export async function runServerFuzz(o: ServerFuzzOptions): Promise<ServerFuzzResult> {
  const rng = new Rng(o.seed);
  const timeoutMs = o.timeoutMs ?? 3000;
  const t0 = performance.now();
  const base = seeds(o.port);
  const r: ServerFuzzResult = {
    inputs: 0,
    statuses: {},
    closed: 0,
    crashes: 0,
    hangs: 0,
    firstProblems: [],
    aliveAfter: false,
    seconds: 0,
  };
  const problem = (what: string): void => {
    if (r.firstProblems.length < 5) r.firstProblems.push(what);
  };
  const uncaught = (e: Error): void => {
    r.crashes++;
    problem(`uncaught: ${String(e).split('\n')[0]}`);
  };
  process.on('uncaughtException', uncaught);
  try {
    for (let i = 0; i < o.inputs; i++) {
      if (o.budgetMs !== undefined && performance.now() - t0 > o.budgetMs) break;
      // half structured requests, a quarter damaged valid requests, a quarter damaged structured ones
      const kind = rng.int(4);
      const input =
        kind <= 1
          ? enc.encode(structured(o.port, rng))
          : kind === 2
            ? mutateBytes(base[rng.int(base.length)]!, rng)
            : mutateBytes(enc.encode(structured(o.port, rng)), rng);
      r.inputs++;
      const out = await exchange(o.port, input, timeoutMs);
      const shown = JSON.stringify(Buffer.from(input).toString('latin1').slice(0, 80));
      if (out.kind === 'timeout') {
        r.hangs++;
        problem(`input ${i}: no answer in ${timeoutMs} ms: ${shown}`);
      } else if (out.kind === 'closed') r.closed++;
      else {
        const status = statusOf(out.head);
        if (status === null || status >= 500) {
          r.crashes++;
          problem(`input ${i}: ${status === null ? 'malformed response' : `status ${status}`} to ${shown}`);
        } else r.statuses[status] = (r.statuses[status] ?? 0) + 1;
      }
    }
    const last = await exchange(o.port, base[0]!, timeoutMs);
    r.aliveAfter = last.kind === 'response' && statusOf(last.head) === 200;
  } finally {
    process.off('uncaughtException', uncaught);
  }
  r.seconds = (performance.now() - t0) / 1000;
  return r;
}

/** A whole campaign for scripts/fuzz.ts: the demo server on a fixture checkpoint, on 127.0.0.1 and a free port. */
export async function serverFuzzCampaign(inputs: number, seed: number): Promise<ServerFuzzResult> {
  const dir = mkdtempSync(join(tmpdir(), 'spikerep-fuzz-serve-'));
  const { server } = await startDemoServer(reference, {
    checkpoint: fixtureCheckpoint(dir).path,
    host: HOST,
    port: 0,
  });
  try {
    const { port } = server.address() as { port: number };
    // bounded in count and in time (a minute per thousand inputs)
    return await runServerFuzz({ port, inputs, seed, budgetMs: 60_000 * Math.max(1, inputs / 1000) });
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
