import { MlopsError } from '../errors.js';

/** Spark Connect's default gRPC port. */
export const DEFAULT_SPARK_CONNECT_PORT = 15002;

/** A parsed `sc://host:port/;key=value;…` connection string. */
export interface SparkConnectionString {
  host: string;
  port: number;
  /** TLS or plaintext HTTP/2. */
  useSsl: boolean;
  /** Sent as `authorization: Bearer <token>`. */
  token?: string;
  userId?: string;
  userAgent?: string;
  /** A UUID; the client makes one when absent. */
  sessionId?: string;
  /** Every other parameter, sent as gRPC metadata (lower-cased names). */
  headers: Record<string, string>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The connection string with the token's value replaced, for messages. */
export function redactConnectionString(url: string): string {
  return url.replace(/(;\s*token\s*=)[^;]*/gi, '$1***');
}

/** True for names that stay on this machine, where plaintext is the default. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/**
 * Parses a Spark Connect connection string by the rules of Spark's client connection string
 * document: scheme `sc`, a host, an optional port (15002), an empty path, then `;`-separated
 * `key=value` parameters (URL-encoded). `token`, `use_ssl`, `user_id`, `user_agent` and
 * `session_id` are the client's own; any other key is sent as a header on every call.
 *
 * TLS: `use_ssl` decides when given; otherwise loopback hosts get plaintext and every other host
 * TLS. A token is never sent in plaintext to a host that is not on this machine.
 */
export function parseConnectionString(url: string): SparkConnectionString {
  const shown = redactConnectionString(url);
  const fail = (why: string): never => {
    throw new MlopsError('INVALID_ARGUMENT', `Spark Connect connection string ${JSON.stringify(shown)} is invalid: ${why}; expected sc://host[:port][/;key=value;…]`, {
      details: { url: shown },
    });
  };
  const match = /^sc:\/\/([^/;]*)(\/?)(.*)$/s.exec(url.trim());
  if (match === null) return fail('it must start with sc://');
  const [, authority = '', , rest = ''] = match;
  if (rest !== '' && !rest.startsWith(';')) fail(`the path must be empty, found ${JSON.stringify(rest.split(';')[0])}`);
  const hostPort = /^(\[[^\]]+\]|[^:]+)(?::(\d*))?$/.exec(authority);
  if (hostPort === null || hostPort[1] === undefined || hostPort[1] === '') return fail('no host');
  const host = hostPort[1];
  let port = DEFAULT_SPARK_CONNECT_PORT;
  if (hostPort[2] !== undefined) {
    port = Number(hostPort[2]);
    if (hostPort[2] === '' || !Number.isInteger(port) || port < 1 || port > 65535) fail(`port ${JSON.stringify(hostPort[2])} is not a number from 1 to 65535`);
  }

  const params = new Map<string, string>();
  for (const part of rest.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) fail(`parameter ${JSON.stringify(part.split('=')[0])} has no value (expected key=value)`);
    const key = decode(part.slice(0, eq).trim(), fail);
    if (params.has(key)) fail(`parameter ${key} is given twice`);
    params.set(key, decode(part.slice(eq + 1).trim(), fail));
  }

  const result: SparkConnectionString = { host, port, useSsl: !isLoopbackHost(host), headers: {} };
  for (const [key, value] of params) {
    switch (key) {
      case 'token':
        result.token = value;
        break;
      case 'use_ssl': {
        const flag = value.toLowerCase();
        if (flag !== 'true' && flag !== 'false') fail(`use_ssl must be true or false, found ${JSON.stringify(value)}`);
        result.useSsl = flag === 'true';
        break;
      }
      case 'user_id':
        result.userId = value;
        break;
      case 'user_agent':
        result.userAgent = value;
        break;
      case 'session_id':
        if (!UUID.test(value)) fail(`session_id must be a UUID, found ${JSON.stringify(value)}`);
        result.sessionId = value.toLowerCase();
        break;
      default: {
        const header = key.toLowerCase();
        if (!/^[0-9a-z_.-]+$/.test(header)) fail(`parameter ${JSON.stringify(key)} cannot be a gRPC header name`);
        if (header === 'authorization') fail('pass credentials as token=…, not as an authorization parameter');
        result.headers[header] = value;
      }
    }
  }
  if (result.token !== undefined && !result.useSsl && !isLoopbackHost(host)) {
    fail(`a token would be sent unencrypted to ${host}; remove use_ssl=false`);
  }
  return result;
}

function decode(text: string, fail: (why: string) => never): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return fail(`${JSON.stringify(text.slice(0, 20))} is not valid URL encoding`);
  }
}
