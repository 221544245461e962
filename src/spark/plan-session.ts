import type { MessageInitShape } from '@bufbuild/protobuf';
import type { CallOptions, SparkConnectClient } from './client.js';
import type { ExecutePlanResponse } from './gen/spark/connect/base_pb.js';
import type { CommandSchema } from './gen/spark/connect/commands_pb.js';

/**
 * What a DataFrame, its reader, writer and the catalog need of their session: the connection, plan
 * ids and running a command. SparkSession implements it; naming it here keeps the DataFrame
 * modules from importing the session module that imports them.
 */
export interface PlanSession {
  readonly client: SparkConnectClient;
  nextPlanId(): bigint;
  runCommand(command: MessageInitShape<typeof CommandSchema>, options?: CallOptions): Promise<ExecutePlanResponse[]>;
}
