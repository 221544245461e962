import type { Worker } from 'node:worker_threads';
import { startWorker } from '../io/workers/worker-script.js';
import { MlopsError } from '../errors.js';
import type { ClassifierDescription } from '../model/classifier.js';
import type { ScoringLimits } from './score-request.js';
import { ScoringError } from './scoring-error.js';
import type { FromScoringWorker, ToScoringWorker } from './scoring-protocol.js';

interface Pending {
  resolve: (json: Uint8Array) => void;
  reject: (error: unknown) => void;
}

interface PooledWorker {
  worker: Worker;
  pending: Map<number, Pending>;
}

/**
 * Worker threads that score /invocations requests (see scoring-worker.ts). A request goes to the
 * worker with the fewest requests queued; a worker scores one at a time, so memory grows with the
 * number of workers, not with the number of concurrent requests — queued ones wait as bytes.
 */
export class ScoringPool {
  readonly size: number;
  readonly #workers: PooledWorker[];
  #model: { id: number; description: ClassifierDescription } | undefined;
  #nextModelId = 1;
  #nextId = 1;
  #closed = false;
  readonly #onInternalError: (message: string) => void;

  constructor(size: number, options: { onInternalError?: (message: string) => void } = {}) {
    if (!Number.isInteger(size) || size < 1) throw new MlopsError('INVALID_ARGUMENT', `A scoring pool needs at least one worker; got ${size}`);
    this.size = size;
    this.#onInternalError = options.onInternalError ?? (() => undefined);
    this.#workers = Array.from({ length: size }, () => this.#start());
  }

  /** Scores with this model from now on (requests already queued keep the one they were sent with). */
  setModel(description: ClassifierDescription): void {
    this.#model = { id: this.#nextModelId++, description };
    for (const pooled of this.#workers) this.#post(pooled, { type: 'model', modelId: this.#model.id, description });
  }

  /**
   * The response JSON (UTF-8) for one request body (its chunks, as readBodyChunks gives them);
   * rejects with the ScoringError a bad request deserves. The chunks are handed to the worker
   * without a copy on this thread (their buffers are transferred: the caller must not use them after).
   */
  score(chunks: readonly Uint8Array[], contentType: string | undefined, limits: ScoringLimits): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new ScoringError(503, 'TEMPORARILY_UNAVAILABLE', 'The scoring server is shutting down'));
    const model = this.#model;
    if (model === undefined) return Promise.reject(new MlopsError('INTERNAL', 'No model was given to the scoring pool'));
    const target = this.#workers.reduce((best, candidate) => (candidate.pending.size < best.pending.size ? candidate : best));
    const id = this.#nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      target.pending.set(id, { resolve, reject });
      target.worker.ref();
      const { body, transfer } = transferable(chunks);
      this.#post(target, { type: 'score', id, modelId: model.id, body, contentType, limits }, transfer);
    });
  }

  /** Stops the workers; requests still queued are answered 503. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(
      this.#workers.map(async ({ worker, pending }) => {
        failAll(pending, new ScoringError(503, 'TEMPORARILY_UNAVAILABLE', 'The scoring server is shutting down'));
        await worker.terminate();
      }),
    );
  }

  #post(pooled: PooledWorker, message: ToScoringWorker, transfer: ArrayBuffer[] = []): void {
    try {
      pooled.worker.postMessage(message, transfer);
    } catch (error) {
      if (message.type === 'score') {
        pooled.pending.get(message.id)?.reject(new MlopsError('INTERNAL', `Could not hand the request to a scoring worker: ${String(error)}`, { cause: error }));
        pooled.pending.delete(message.id);
      }
    }
  }

  #start(): PooledWorker {
    const worker = startWorker('serve/scoring-worker.js');
    const pooled: PooledWorker = { worker, pending: new Map() };
    worker.unref();
    worker.on('message', (reply: FromScoringWorker) => {
      const job = pooled.pending.get(reply.id);
      if (job === undefined) return;
      pooled.pending.delete(reply.id);
      if (pooled.pending.size === 0) worker.unref();
      if (reply.ok) job.resolve(reply.json);
      else if ('internal' in reply.error) {
        this.#onInternalError(reply.error.internal);
        job.reject(new MlopsError('INTERNAL', reply.error.internal));
      } else {
        const { status, errorCode, message, details } = reply.error;
        job.reject(new ScoringError(status, errorCode, message, details));
      }
    });
    // A worker that dies (out of memory, a crash) fails its requests with 500 and is replaced.
    const replace = (reason: string) => {
      failAll(pooled.pending, new MlopsError('INTERNAL', `A scoring worker stopped: ${reason}`));
      if (this.#closed) return;
      const index = this.#workers.indexOf(pooled);
      if (index < 0) return;
      this.#onInternalError(`scoring worker stopped (${reason}); starting another`);
      const next = this.#start();
      this.#workers[index] = next;
      if (this.#model) this.#post(next, { type: 'model', modelId: this.#model.id, description: this.#model.description });
    };
    worker.on('error', (error) => replace(error.message));
    worker.on('exit', (code) => {
      if (!this.#closed) replace(`exit code ${code}`);
    });
    return pooled;
  }
}

/**
 * The chunks with the buffers to transfer: a chunk that is the whole of its own ArrayBuffer (what
 * node:http gives for a request body) goes as it is; one that shares a buffer (Node's Buffer pool,
 * another chunk) is copied first — natively, and only that chunk.
 */
function transferable(chunks: readonly Uint8Array[]): { body: Uint8Array[]; transfer: ArrayBuffer[] } {
  const seen = new Set<ArrayBufferLike>();
  const body = chunks.map((chunk) => {
    const owned = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer && !seen.has(chunk.buffer);
    const own = owned ? chunk : new Uint8Array(chunk); // a copy (Buffer#slice would share the memory)
    seen.add(own.buffer);
    return own;
  });
  return { body, transfer: [...seen] as ArrayBuffer[] };
}

function failAll(pending: Map<number, Pending>, error: unknown): void {
  for (const job of pending.values()) job.reject(error);
  pending.clear();
}
