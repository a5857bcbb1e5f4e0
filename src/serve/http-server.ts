/**
 * A small HTTP server for a fixed table of GET routes that no request can stop: requests the parser refuses
 * ('clientError') get a 400/408/431 and the socket is closed; the rest pass request-check.ts, then the route runs
 * inside error handling (a route that throws gives 500 and the server stays up). Listening failures become one
 * line that names the `port` (EADDRINUSE, EACCES) or the host.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { check, SpikerepError } from '../errors.js';
import { allowedHosts, checkRequest } from './request-check.js';

/**
 * A route's content type and body, null for "not here" (404), or a refusal of the request's query (400 with its
 * one-line reason).
 */
export type Route = (query: URLSearchParams) => Promise<readonly [string, string | Buffer] | null | BadQuery>;

export interface BadQuery {
  readonly badQuery: string;
}

export interface StaticServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Headers every response carries. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Errors after listening (e.g. out of file descriptors when accepting); the server keeps running. */
  readonly onError?: (e: Error) => void;
}

/** The parser's error codes that have their own status; any other parse error is a 400. */
const CLIENT_ERROR_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
};

function rawResponse(status: number): string {
  const body = `${STATUS_CODES[status] ?? 'error'}\n`;
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
}

function listenError(e: NodeJS.ErrnoException, host: string, port: number): Error {
  switch (e.code) {
    case 'EADDRINUSE':
      return new SpikerepError(
        'E_ARG',
        `port ${port} is in use: pick another with \`port\`, or \`port\` 0 for a free one`,
      );
    case 'EACCES':
      return new SpikerepError('E_ARG', `port ${port} needs privileges: pick one above 1023 with \`port\``);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new SpikerepError('E_ARG', `cannot listen on ${host}: not an address of this machine`);
    default:
      return e;
  }
}

export async function startStaticServer(
  routes: Readonly<Record<string, Route>>,
  o: StaticServerOptions,
): Promise<{ server: Server; url: string }> {
  check(
    Number.isInteger(o.port) && o.port >= 0 && o.port <= 65535,
    `must be an integer in [0, 65535], got ${o.port}`,
    'port',
  );
  const common = { ...o.headers, 'X-Content-Type-Options': 'nosniff' };
  let allowed = new Set<string>();
  const anyIpLiteral = ['0.0.0.0', '::'].includes(o.host);

  const send = (req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const headers: Record<string, string | number> = {
      ...common,
      'Content-Type': type,
      'Content-Length': Buffer.byteLength(body),
    };
    if (status === 405) headers['Allow'] = 'GET, HEAD';
    // a refused request may have a body the server will not read: close rather than parse what follows
    if (status >= 400) headers['Connection'] = 'close';
    res.writeHead(status, headers).end(req.method === 'HEAD' ? undefined : body);
  };
  const refuse = (req: IncomingMessage, res: ServerResponse, status: number, reason: string) =>
    send(req, res, status, 'text/plain; charset=utf-8', `${status} ${STATUS_CODES[status] ?? ''}: ${reason}\n`);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const v = checkRequest(req.method, req.url, req.headers.host, allowed, anyIpLiteral);
    if (!v.ok) return refuse(req, res, v.status, v.reason);
    const route = Object.hasOwn(routes, v.path) ? routes[v.path] : undefined;
    const r = route === undefined ? null : await route(v.query);
    if (r === null) return refuse(req, res, 404, 'not found');
    if ('badQuery' in r) return refuse(req, res, 400, r.badQuery);
    send(req, res, 200, r[0], r[1]);
  };

  const server = createServer(
    { maxHeaderSize: 16 * 1024, requestTimeout: 30_000, headersTimeout: 10_000 },
    (req, res) => {
      // a client that goes away mid-response must not become an unhandled 'error'
      req.on('error', () => req.destroy());
      res.on('error', () => res.destroy());
      handle(req, res).catch((e: unknown) => {
        try {
          refuse(req, res, 500, (e instanceof Error ? e.message : String(e)).split('\n')[0]!);
        } catch {
          res.destroy();
        }
      });
    },
  );
  server.on('clientError', (e: NodeJS.ErrnoException, socket: Socket & { _httpMessage?: ServerResponse }) => {
    // a raw 400 written into a response already under way (a bad request pipelined after a good one) would corrupt it
    if (e.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent === true) {
      socket.destroy();
      return;
    }
    socket.end(rawResponse(CLIENT_ERROR_STATUS[e.code ?? ''] ?? 400));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, o.host, o.port)));
    server.listen(o.port, o.host, () => resolve());
  });
  server.removeAllListeners('error');
  server.on('error', (e) => o.onError?.(e));
  const { port } = server.address() as AddressInfo;
  allowed = allowedHosts(o.host, port);
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return { server, url: `http://${host}:${port}/` };
}
