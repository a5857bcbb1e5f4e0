/**
 * What the demo server accepts of a request before it looks up a route: a GET or HEAD, a Host header naming the
 * address the server is bound to (so a web page on another origin cannot reach it through a name that it re-points
 * at 127.0.0.1, "DNS rebinding"), and a well-formed path with no dot-segments. Pure, so every case is testable
 * without a socket; the answer is a route path and its query, or an HTTP status with a short reason.
 */

export type RequestVerdict =
  | { readonly ok: true; readonly path: string; readonly query: URLSearchParams }
  | { readonly ok: false; readonly status: number; readonly reason: string };

/** Longer request targets get 414: nothing the demo serves needs more than a few dozen characters. */
export const MAX_URL_LENGTH = 2048;

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD = ['0.0.0.0', '::', '[::]'];

/** A host as it appears in a Host header: IPv6 literals in brackets, names lower-case. */
function hostForm(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host.toLowerCase()}]` : host.toLowerCase();
}

/**
 * The Host values a server bound to `host`:`port` answers: the bound host, and every loopback name when it is a
 * loopback address. Port 80 may also come without it (browsers leave the default port out).
 */
export function allowedHosts(host: string, port: number): Set<string> {
  const bound = hostForm(host);
  const names = new Set([bound]);
  if (LOOPBACK.includes(bound) || WILDCARD.includes(bound)) for (const n of LOOPBACK) names.add(n);
  const out = new Set<string>();
  for (const n of names) {
    out.add(`${n}:${port}`);
    if (port === 80) out.add(n);
  }
  return out;
}

/** An IP literal (a.b.c.d or [v6]) cannot be re-pointed by DNS, so a server on all interfaces may answer it. */
function isIpLiteral(hostPort: string): boolean {
  const host = hostPort.replace(/:\d+$/, '');
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || /^\[[0-9a-f:.]+\]$/.test(host);
}

// RFC 3986 path characters (pchar) and the query's extra "/" and "?"; "%" only as the start of %XX.
const PCHAR = "[A-Za-z0-9\\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2}";
const ORIGIN_FORM = new RegExp(`^((?:/(?:${PCHAR})*)+)(?:\\?((?:${PCHAR}|[/?])*))?$`);

/**
 * The route path of a request, or why it is refused: 405 for a method other than GET and HEAD, 414 for an over-long
 * target, 400 for a missing Host, a malformed target, bad percent-encoding or a dot-segment or encoded slash
 * (path traversal), 421 for a Host the server is not bound to.
 */
export function checkRequest(
  method: string | undefined,
  url: string | undefined,
  hostHeader: string | undefined,
  allowed: ReadonlySet<string>,
  anyIpLiteral = false,
): RequestVerdict {
  if (method !== 'GET' && method !== 'HEAD') return { ok: false, status: 405, reason: 'only GET and HEAD' };
  if (url === undefined || url === '') return { ok: false, status: 400, reason: 'no request target' };
  if (url.length > MAX_URL_LENGTH) return { ok: false, status: 414, reason: 'request target too long' };
  if (hostHeader === undefined || hostHeader === '') return { ok: false, status: 400, reason: 'no Host header' };
  let target = url;
  let authority = hostHeader.toLowerCase();
  // absolute-form ("GET http://127.0.0.1:8080/ HTTP/1.1"): its authority is the host asked for
  const absolute = /^http:\/\/([^/?#]*)(.*)$/i.exec(url);
  if (absolute !== null) {
    authority = absolute[1]!.toLowerCase();
    target = absolute[2] === '' ? '/' : absolute[2]!;
  }
  if (!allowed.has(authority) && !(anyIpLiteral && isIpLiteral(authority)))
    return { ok: false, status: 421, reason: 'this server answers only to its own address' };
  const m = ORIGIN_FORM.exec(target);
  if (m === null) return { ok: false, status: 400, reason: 'malformed request target' };
  const raw = m[1]!;
  // encoded slashes and backslashes would turn into separators after decoding
  if (/%(2f|5c)/i.test(raw)) return { ok: false, status: 400, reason: 'encoded slash in path' };
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return { ok: false, status: 400, reason: 'bad percent-encoding' };
  }
  if ([...path].some((c) => c < ' ' || c === '\x7f'))
    return { ok: false, status: 400, reason: 'control character in path' };
  if (path.split('/').some((s) => s === '.' || s === '..'))
    return { ok: false, status: 400, reason: 'dot-segment in path' };
  // the query's form was checked above; URLSearchParams replaces what does not decode with U+FFFD
  return { ok: true, path, query: new URLSearchParams(m[2] ?? '') };
}
