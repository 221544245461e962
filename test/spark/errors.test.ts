import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { afterEach, describe, expect, it } from 'vitest';
import { SparkConnectError } from '../../src/spark/errors.js';
import { ErrorInfoSchema } from '../../src/spark/gen/google/rpc/error_details_pb.js';
import { SparkSession } from '../../src/spark/session.js';
import { FakeSparkConnect } from '../fakes/spark/server.js';

let fake: FakeSparkConnect | undefined;
afterEach(async () => {
  await fake?.close();
});

describe('SparkConnectError from google.rpc.ErrorInfo (in-process server)', () => {
  it('carries errorClass, sqlState, messageParameters, errorId and fetches the details on demand', async () => {
    fake = await FakeSparkConnect.start(() => ({
      async analyzePlan(request) {
        if (request.analyze.case === 'sparkVersion') return { sessionId: request.sessionId, serverSideSessionId: 's', result: { case: 'sparkVersion', value: { version: '4' } } };
        throw new ConnectError('[TABLE_OR_VIEW_NOT_FOUND] The table or view `nope` cannot be found.', Code.Internal, undefined, [
          {
            desc: ErrorInfoSchema,
            value: create(ErrorInfoSchema, {
              reason: 'org.apache.spark.sql.AnalysisException',
              domain: 'org.apache.spark',
              metadata: {
                classes: '["org.apache.spark.sql.AnalysisException"]',
                errorClass: 'TABLE_OR_VIEW_NOT_FOUND',
                sqlState: '42P01',
                messageParameters: '{"relationName":"`nope`"}',
                errorId: 'err-1',
              },
            }),
          },
        ]);
      },
      async fetchErrorDetails(request) {
        return { sessionId: request.sessionId, serverSideSessionId: 's', rootErrorIdx: 0, errors: [{ errorTypeHierarchy: ['x'], message: `details of ${request.errorId}`, stackTrace: [] }] };
      },
    }));
    const spark = await SparkSession.builder().remote(`${fake.url}/;token=tok-secret`).create();
    const error = (await spark.table('nope').schema().catch((e: unknown) => e)) as SparkConnectError;
    expect(error).toBeInstanceOf(SparkConnectError);
    expect(error).toMatchObject({ code: 'NOT_FOUND', grpcCodeName: 'Internal', errorClass: 'TABLE_OR_VIEW_NOT_FOUND', sqlState: '42P01', errorId: 'err-1' });
    expect(error.messageParameters).toEqual({ relationName: '`nope`' });
    expect(error.classes).toEqual(['org.apache.spark.sql.AnalysisException']);
    expect(error.message).toContain('`nope`');
    expect(error.message).not.toContain('tok-secret');
    const details = await error.fetchDetails();
    expect(details.errors[0]!.message).toBe('details of err-1');
  });
});
