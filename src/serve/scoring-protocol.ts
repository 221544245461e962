import type { ClassifierDescription } from '../model/classifier.js';
import type { ScoringErrorCode } from './scoring-error.js';
import type { ScoringLimits } from './score-request.js';

/** Messages between the scoring server and its scoring workers. */

/** A model to score with from now on; requests name it by id. */
export interface LoadModelMessage {
  type: 'model';
  modelId: number;
  description: ClassifierDescription;
}

export interface ScoreMessage {
  type: 'score';
  id: number;
  modelId: number;
  /** The request body as it arrived, in chunks transferred (not copied) to the worker, which joins them. */
  body: Uint8Array[];
  contentType: string | undefined;
  limits: ScoringLimits;
}

export type ToScoringWorker = LoadModelMessage | ScoreMessage;

export type FromScoringWorker =
  /** The response JSON as UTF-8 bytes, transferred: the event loop neither copies nor encodes it. */
  | { id: number; ok: true; json: Uint8Array }
  | { id: number; ok: false; error: { status: number; errorCode: ScoringErrorCode; message: string; details?: Record<string, unknown> } | { internal: string } };
