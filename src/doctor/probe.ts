import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type PeerCertificate } from 'node:tls';

export interface ProbeAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  ms: number;
}

/** Most a probe reads of an answer: /health and the metadata are far smaller. */
const BODY_LIMIT = 64 * 1024;

/**
 * GET `url` once, redirects not followed. The certificate is not checked here (the certificate
 * check says what is wrong with it), so an untrusted one still shows whether this daemon answers.
 */
export function probe(url: string, timeoutMs: number): Promise<ProbeAnswer> {
  const started = performance.now();
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'GET', rejectUnauthorized: false, timeout: timeoutMs, headers: { accept: 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > BODY_LIMIT) res.destroy();
      });
      res.on('close', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ms: Math.round(performance.now() - started) }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

export interface ServedCertificate {
  /** Whether the chain leads to a CA this machine trusts and the name matches. */
  trusted: boolean;
  /** OpenSSL's or Node's code when it is not trusted, e.g. DEPTH_ZERO_SELF_SIGNED_CERT. */
  problem?: string;
  validFrom: number;
  validTo: number;
  subject: string;
  issuer: string;
}

/** The certificate `host:port` serves for `host` (SNI). */
export function servedCertificate(host: string, port: number, timeoutMs: number): Promise<ServedCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, servername: isIp(host) ? undefined : host, rejectUnauthorized: false, timeout: timeoutMs }, () => {
      const cert: PeerCertificate = socket.getPeerCertificate();
      socket.end();
      resolve({
        trusted: socket.authorized,
        ...(socket.authorizationError ? { problem: String(socket.authorizationError) } : {}),
        validFrom: Date.parse(cert.valid_from),
        validTo: Date.parse(cert.valid_to),
        subject: firstOf(cert.subject?.CN) ?? '(no common name)',
        issuer: firstOf(cert.issuer?.O) ?? firstOf(cert.issuer?.CN) ?? '(unknown issuer)',
      });
    });
    socket.on('timeout', () => socket.destroy(Object.assign(new Error(`no TLS handshake within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    socket.on('error', reject);
  });
}

/** A certificate field; one that appears more than once comes as a list. */
function firstOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

/** A network error in words: what failed, by its code. */
export function describeNetworkError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'its host name does not resolve (DNS)';
    case 'ECONNREFUSED':
      return 'nothing accepts connections there (connection refused)';
    case 'ETIMEDOUT':
    case 'ECONNRESET':
      return `the connection ${code === 'ETIMEDOUT' ? 'timed out' : 'was reset'} (firewall, port forwarding?)`;
    default:
      return (error as Error).message ?? String(error);
  }
}
