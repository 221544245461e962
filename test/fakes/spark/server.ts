import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { create } from '@bufbuild/protobuf';
import { type ConnectRouter, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { SparkConnectService, type ExecutePlanResponse } from '../../../src/spark/gen/spark/connect/base_pb.js';
import { ExecutePlanResponseSchema } from '../../../src/spark/gen/spark/connect/base_pb.js';

/** One call the fake received: method, request message and headers. */
export interface ReceivedCall {
  method: string;
  request: unknown;
  headers: Record<string, string>;
}

export type FakeSparkImpl = Partial<ServiceImpl<typeof SparkConnectService>>;

/**
 * An in-process Spark Connect server on 127.0.0.1 (port 0), served from the service definition
 * generated from Spark's protos, for what a real server cannot be made to do on demand (drop a
 * connection mid-stream, answer UNAVAILABLE, check Databricks headers). Each test supplies the
 * methods it needs; every call is recorded.
 */
export class FakeSparkConnect {
  readonly calls: ReceivedCall[] = [];
  readonly #server: http2.Http2Server;
  readonly #sessions = new Set<http2.ServerHttp2Session>();
  url = '';

  private constructor(impl: (fake: FakeSparkConnect) => FakeSparkImpl) {
    const methods = impl(this);
    const recorded: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(methods)) {
      recorded[name] = (request: unknown, context: HandlerContext) => {
        this.calls.push({ method: name, request, headers: Object.fromEntries(context.requestHeader.entries()) });
        return (fn as (r: unknown, c: HandlerContext) => unknown)(request, context);
      };
    }
    const handler = connectNodeAdapter({
      grpc: true,
      connect: false,
      grpcWeb: false,
      routes: (router: ConnectRouter) => router.service(SparkConnectService, recorded as FakeSparkImpl),
    });
    this.#server = http2.createServer(handler);
    this.#server.on('session', (session) => {
      this.#sessions.add(session);
      session.on('close', () => this.#sessions.delete(session));
    });
  }

  static async start(impl: (fake: FakeSparkConnect) => FakeSparkImpl): Promise<FakeSparkConnect> {
    const fake = new FakeSparkConnect(impl);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.url = `sc://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  /** Cuts every open HTTP/2 connection, as a network failure would. */
  cutConnections(): void {
    for (const session of this.#sessions) session.destroy();
  }

  /**
   * What each connected client asked for in HTTP/2 flow control: its SETTINGS (initial stream
   * window, largest frame) and how much the server may still send on the connection.
   */
  clientFlowControl(): { initialWindowSize?: number; maxFrameSize?: number; connectionWindow?: number }[] {
    return [...this.#sessions].map((session) => ({
      initialWindowSize: session.remoteSettings.initialWindowSize,
      maxFrameSize: session.remoteSettings.maxFrameSize,
      connectionWindow: session.state.remoteWindowSize,
    }));
  }

  callsOf(method: string): ReceivedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  async close(): Promise<void> {
    this.cutConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** An ExecutePlanResponse carrying one Arrow IPC stream. */
export function arrowResponse(operationId: string, responseId: string, data: Uint8Array, rowCount: number): ExecutePlanResponse {
  return create(ExecutePlanResponseSchema, {
    sessionId: '',
    serverSideSessionId: 'server-session-1',
    operationId,
    responseId,
    responseType: { case: 'arrowBatch', value: { rowCount: BigInt(rowCount), data } },
  });
}

export function completeResponse(operationId: string, responseId: string): ExecutePlanResponse {
  return create(ExecutePlanResponseSchema, { serverSideSessionId: 'server-session-1', operationId, responseId, responseType: { case: 'resultComplete', value: {} } });
}
