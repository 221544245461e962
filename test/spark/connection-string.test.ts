import { describe, expect, it } from 'vitest';
import { isLoopbackHost, parseConnectionString, redactConnectionString } from '../../src/spark/connection-string.js';

describe('parseConnectionString', () => {
  it('takes host and port, plaintext for loopback, default port 15002', () => {
    expect(parseConnectionString('sc://127.0.0.1:4040')).toEqual({ host: '127.0.0.1', port: 4040, useSsl: false, headers: {} });
    expect(parseConnectionString('sc://localhost')).toMatchObject({ host: 'localhost', port: 15002, useSsl: false });
    expect(parseConnectionString('sc://[::1]:9/')).toMatchObject({ host: '[::1]', port: 9, useSsl: false });
  });

  it('uses TLS for remote hosts unless use_ssl=false', () => {
    expect(parseConnectionString('sc://spark.example.com:443').useSsl).toBe(true);
    expect(parseConnectionString('sc://spark.example.com/;use_ssl=false').useSsl).toBe(false);
    expect(parseConnectionString('sc://localhost/;use_ssl=true').useSsl).toBe(true);
  });

  it('reads the client parameters and passes other keys as headers, URL-decoded', () => {
    const parsed = parseConnectionString(
      'sc://ws.example.com:443/;token=abc%3D;user_id=ann;user_agent=my%20app;session_id=0F2D9C9E-1B2A-4C3D-8E4F-5A6B7C8D9E0F;x-databricks-cluster-id=0123-abc',
    );
    expect(parsed).toEqual({
      host: 'ws.example.com',
      port: 443,
      useSsl: true,
      token: 'abc=',
      userId: 'ann',
      userAgent: 'my app',
      sessionId: '0f2d9c9e-1b2a-4c3d-8e4f-5a6b7c8d9e0f',
      headers: { 'x-databricks-cluster-id': '0123-abc' },
    });
  });

  it.each([
    ['http://host:1', 'must start with sc://'],
    ['sc://:15002', 'no host'],
    ['sc://host:99999', 'port'],
    ['sc://host:1/path', 'path must be empty'],
    ['sc://host/;use_ssl=maybe', 'use_ssl must be true or false'],
    ['sc://host/;session_id=42', 'session_id must be a UUID'],
    ['sc://host/;novalue', 'has no value'],
    ['sc://host/;a=1;a=2', 'given twice'],
    ['sc://host/;Authorization=x', 'not as an authorization parameter'],
  ])('rejects %s', (url, why) => {
    expect(() => parseConnectionString(url)).toThrow(why);
  });

  it('refuses to send a token unencrypted to a remote host, and never shows the token', () => {
    let message = '';
    try {
      parseConnectionString('sc://remote.example.com/;token=s3cret;use_ssl=false');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('unencrypted');
    expect(message).not.toContain('s3cret');
    // Loopback with a token is allowed in plaintext (a local server or test double).
    expect(parseConnectionString('sc://127.0.0.1:1/;token=t').useSsl).toBe(false);
  });

  it('redacts tokens and recognises loopback names', () => {
    expect(redactConnectionString('sc://h/;token=abc;x=1')).toBe('sc://h/;token=***;x=1');
    expect(isLoopbackHost('127.4.5.6')).toBe(true);
    expect(isLoopbackHost('10.0.0.1')).toBe(false);
  });
});
