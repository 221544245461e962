import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { Code, ConnectError } from '@connectrpc/connect';
import type { ExecutePlanRequest, ExecutePlanResponse, ReattachExecuteRequest } from '../../../src/spark/gen/spark/connect/base_pb.js';
import { arrowResponse, completeResponse, type FakeSparkConnect, type FakeSparkImpl } from './server.js';

export interface ScriptedResultOptions {
  /** Arrow batches of `rowsPerBatch` ids each, ids 0…batches*rowsPerBatch-1. */
  batches: number;
  rowsPerBatch: number;
  /** Each stream (execute or reattach) ends cleanly without ResultComplete after this many responses. */
  streamLimit?: number;
  /** Before this many responses have gone out on the first stream, the fake cuts the connection. */
  cutAfter?: number;
  /** The first N ExecutePlan calls answer UNAVAILABLE before anything is registered. */
  unavailableFirst?: number;
  /** Keeps streaming until aborted (a query that never ends). */
  endless?: boolean;
}

/**
 * ExecutePlan / ReattachExecute / ReleaseExecute / Interrupt of a reattachable execution, as the
 * protocol (base.proto) describes it: responses numbered per operation; a reattach resumes after
 * last_response_id; an unknown operation is INVALID_HANDLE.OPERATION_NOT_FOUND.
 */
export function scriptedResults(options: ScriptedResultOptions): (fake: FakeSparkConnect) => FakeSparkImpl {
  return (fake) => {
    const operations = new Map<string, ExecutePlanResponse[]>();
    let unavailable = options.unavailableFirst ?? 0;
    let cut = options.cutAfter;
    const build = (operationId: string): ExecutePlanResponse[] => {
      const responses: ExecutePlanResponse[] = [];
      for (let b = 0; b < options.batches; b++) {
        const start = b * options.rowsPerBatch;
        const ids = BigInt64Array.from({ length: options.rowsPerBatch }, (_, i) => BigInt(start + i));
        responses.push(arrowResponse(operationId, `${operationId}-r${b}`, tableToIPC(tableFromArrays({ id: ids }), 'stream'), options.rowsPerBatch));
      }
      responses.push(completeResponse(operationId, `${operationId}-done`));
      return responses;
    };
    async function* stream(operationId: string, from: number, signal: AbortSignal): AsyncGenerator<ExecutePlanResponse> {
      const responses = operations.get(operationId)!;
      let sent = 0;
      if (options.endless) {
        for (let i = 0; !signal.aborted; i++) {
          yield responses[0]!;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        return;
      }
      for (let index = from; index < responses.length; index++) {
        if (cut !== undefined && sent === cut) {
          cut = undefined;
          fake.cutConnections();
          await new Promise((resolve) => setTimeout(resolve, 50));
          return;
        }
        if (options.streamLimit !== undefined && sent === options.streamLimit) return;
        yield responses[index]!;
        sent++;
      }
    }
    return {
      executePlan(request: ExecutePlanRequest, context) {
        if (unavailable > 0) {
          unavailable--;
          throw new ConnectError('server starting', Code.Unavailable);
        }
        const operationId = request.operationId!;
        if (operations.has(operationId)) throw new ConnectError(`[INVALID_HANDLE.OPERATION_ALREADY_EXISTS] ${operationId}`, Code.InvalidArgument);
        operations.set(operationId, build(operationId));
        return stream(operationId, 0, context.signal);
      },
      reattachExecute(request: ReattachExecuteRequest, context) {
        const responses = operations.get(request.operationId);
        if (responses === undefined) throw new ConnectError(`[INVALID_HANDLE.OPERATION_NOT_FOUND] ${request.operationId}`, Code.InvalidArgument);
        const from = request.lastResponseId === undefined ? 0 : responses.findIndex((r) => r.responseId === request.lastResponseId) + 1;
        return stream(request.operationId, from, context.signal);
      },
      async releaseExecute(request) {
        return { sessionId: request.sessionId, serverSideSessionId: 'server-session-1', operationId: request.operationId };
      },
      async interrupt(request) {
        return { sessionId: request.sessionId, serverSideSessionId: 'server-session-1', interruptedIds: request.interrupt.case === 'operationId' ? [request.interrupt.value] : [] };
      },
      async releaseSession(request) {
        return { sessionId: request.sessionId, serverSideSessionId: 'server-session-1' };
      },
      async analyzePlan(request) {
        return { sessionId: request.sessionId, serverSideSessionId: 'server-session-1', result: { case: 'sparkVersion', value: { version: '4.1.1-fake' } } };
      },
    };
  };
}
