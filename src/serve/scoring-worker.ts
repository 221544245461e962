import { getPriority, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { numericInputs } from '../model/encoding.js';
import { DenseForward } from '../model/forward.js';
import { joinChunks } from './read-body.js';
import { scoreRequest, type ScoringModel } from './score-request.js';
import { ScoringError } from './scoring-error.js';
import type { FromScoringWorker, ToScoringWorker } from './scoring-protocol.js';

/**
 * A scoring worker: parses and scores /invocations bodies with scoreRequest, so a large request
 * never blocks the server's event loop (/ping keeps answering). It keeps the newest two models:
 * requests already queued for the previous one finish after a reload.
 */
/**
 * How much nicer than the server's event loop a scoring worker runs. On Linux a thread's nice value
 * is its own (setpriority on "this process" changes only the calling thread), so when the CPUs are
 * busy the kernel runs the event loop — /ping, accepting and sending — before scoring, which
 * waits a few milliseconds more; an idle machine scores at full speed either way. Elsewhere the
 * call would lower the whole process, so it is Linux only.
 */
export const SCORING_WORKER_NICENESS = 10;

if (process.platform === 'linux') {
  try {
    setPriority(Math.min(19, getPriority() + SCORING_WORKER_NICENESS));
  } catch {
    // Not permitted (a seccomp profile, say): scoring runs at the event loop's priority.
  }
}

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
    const json = encoder.encode(scoreRequest(joinChunks(message.body), message.contentType, model, message.limits));
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
