import { parentPort } from 'node:worker_threads';
import { numericInputs } from '../model/encoding.js';
import { DenseForward } from '../model/forward.js';
import { scoreRequest, type ScoringModel } from './score-request.js';
import { ScoringError } from './scoring-error.js';
import type { FromScoringWorker, ToScoringWorker } from './scoring-protocol.js';

/**
 * A scoring worker: parses and scores /invocations bodies with scoreRequest, so a large request
 * never blocks the server's event loop (/ping keeps answering). It keeps the newest two models:
 * requests already queued for the previous one finish after a reload.
 */
const models = new Map<number, ScoringModel>();
const encoder = new TextEncoder();

parentPort!.on('message', (message: ToScoringWorker) => {
  if (message.type === 'model') {
    const { description } = message;
    const inputs = description.inputs ?? numericInputs(description.featureNames);
    models.set(message.modelId, { forward: new DenseForward(description), inputs });
    for (const id of models.keys()) if (id < message.modelId - 1) models.delete(id);
    return;
  }
  let reply: FromScoringWorker;
  const transfer: ArrayBuffer[] = [];
  try {
    const model = models.get(message.modelId);
    if (model === undefined) throw new Error(`model ${message.modelId} is not loaded in this worker`);
    const json = encoder.encode(scoreRequest(message.body, message.contentType, model, message.limits));
    transfer.push(json.buffer as ArrayBuffer);
    reply = { id: message.id, ok: true, json };
  } catch (error) {
    reply =
      error instanceof ScoringError
        ? { id: message.id, ok: false, error: { status: error.status, errorCode: error.errorCode, message: error.message, ...(error.details ? { details: error.details } : {}) } }
        : { id: message.id, ok: false, error: { internal: error instanceof Error ? error.message : String(error) } };
  }
  parentPort!.postMessage(reply, transfer);
});
