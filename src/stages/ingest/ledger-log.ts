import { MlopsError } from '../../errors.js';
import type { CallOptions, VolumeStore } from '../../workspace/types.js';
import { corrupt, emptyLedger, LEDGER_FOLDER_NAME, LEGACY_LEDGER_FILE_NAME, parseLedger } from './ledger.js';
import type { IngestLedger } from './ledger.js';
import { deltaFileName, diffLedger, isEmptyDelta, LedgerReplay, parseDelta, parseSnapshot, seqOfDeltaName, serializeDelta, serializeSnapshot } from './ledger-delta.js';
import { joinVolumePath } from './output.js';

export const SNAPSHOT_FILE_NAME = 'snapshot.json';
export const DELTAS_FOLDER_NAME = 'deltas';
/** At least this many commits between compactions, so a small ledger is not rewritten every few commits. */
export const COMPACT_EVERY_COMMITS = 100;

export interface OpenLedgerOptions {
  call?: CallOptions;
  /** Status: read only — no migration, no clean-up (the caller holds no lock). */
  readOnly?: boolean;
  /** Called after the new snapshot is written and before the old file (or the covered deltas) is deleted. */
  onStep?: (step: 'migrated' | 'compacted') => void | Promise<void>;
}

interface DeltaFile {
  seq: number;
  path: string;
}

/**
 * The ingest ledger as a transaction log: <checkpoint>/ingest_ledger/snapshot.json holds the state up to
 * its sequence number S; deltas/<seq>.json holds one commit each, created with overwrite:false so two
 * writers can never both commit one sequence number (the Files API has no append). The state is the
 * snapshot plus the deltas after S, in order. Compaction writes a new snapshot and only then deletes the
 * deltas it covers; deltas at or below S are ignored and removed later, so a crash in between is harmless.
 * A snapshot is written only once the deltas since the last one weigh as much as it does (and at least
 * COMPACT_EVERY_COMMITS of them), and at the end of a run: the bytes written stay in proportion to the
 * commits, not to commits × ledger size.
 */
export class LedgerLog {
  readonly location: string;
  readonly #volumes: VolumeStore;
  readonly #call: CallOptions;
  readonly #onStep: OpenLedgerOptions['onStep'];
  #ledger: IngestLedger;
  #snapshotSeq: number;
  #seq: number;
  #snapshotBytes: number;
  #deltaBytes = 0;
  /** Delta files after the snapshot (deleted by the next compaction). */
  #deltas: DeltaFile[];

  private constructor(volumes: VolumeStore, location: string, options: OpenLedgerOptions, state: { ledger: IngestLedger; snapshotSeq: number; snapshotBytes: number; deltas: DeltaFile[] }) {
    this.#volumes = volumes;
    this.location = location;
    this.#call = options.call ?? {};
    this.#onStep = options.onStep;
    this.#ledger = state.ledger;
    this.#snapshotSeq = state.snapshotSeq;
    this.#snapshotBytes = state.snapshotBytes;
    this.#deltas = state.deltas;
    this.#seq = state.deltas.at(-1)?.seq ?? state.snapshotSeq;
  }

  /** The ledger folder of a checkpoint path. */
  static locationOf(checkpointPath: string): string {
    return joinVolumePath(checkpointPath, LEDGER_FOLDER_NAME);
  }

  /**
   * Loads the ledger (empty if there is none, for `source`). Unless read-only, converts a single-file
   * ledger of an earlier release (new snapshot first, then the old file goes) and deletes deltas a
   * snapshot already covers.
   */
  static async open(volumes: VolumeStore, checkpointPath: string, source: string, options: OpenLedgerOptions = {}): Promise<LedgerLog> {
    const call = options.call ?? {};
    const location = LedgerLog.locationOf(checkpointPath);
    const snapshotPath = joinVolumePath(location, SNAPSHOT_FILE_NAME);
    const legacyPath = joinVolumePath(checkpointPath, LEGACY_LEDGER_FILE_NAME);
    let start: IngestLedger;
    let snapshotSeq = 0;
    let snapshotBytes = 0;
    const snapshotText = await readTextIfExists(volumes, snapshotPath, call);
    const legacyText = await readTextIfExists(volumes, legacyPath, call);
    if (snapshotText !== undefined) {
      const snapshot = parseSnapshot(snapshotText, snapshotPath);
      ({ seq: snapshotSeq, ledger: start } = snapshot);
      snapshotBytes = Buffer.byteLength(snapshotText);
      // A conversion that stopped after writing the snapshot: the old file is already represented.
      if (legacyText !== undefined && options.readOnly !== true) await volumes.delete(legacyPath, call);
    } else if (legacyText !== undefined) {
      start = parseLedger(legacyText, legacyPath);
      if (options.readOnly !== true) {
        const text = serializeSnapshot({ seq: 0, ledger: start });
        await volumes.write(snapshotPath, text, { ...call, overwrite: true });
        snapshotBytes = Buffer.byteLength(text);
        await options.onStep?.('migrated');
        await volumes.delete(legacyPath, call);
      }
    } else {
      start = emptyLedger(source);
    }

    const deltasFolder = joinVolumePath(location, DELTAS_FOLDER_NAME);
    const listed = await listDeltas(volumes, deltasFolder, call);
    const covered = listed.filter((delta) => delta.seq <= snapshotSeq);
    const after = listed.filter((delta) => delta.seq > snapshotSeq);
    const replay = new LedgerReplay(start);
    let expected = snapshotSeq + 1;
    for (const [index, delta] of after.entries()) {
      const previous = after[index - 1];
      if (previous !== undefined && previous.seq === delta.seq) throw corrupt(delta.path, `sequence number ${delta.seq} is also taken by ${previous.path}`);
      if (delta.seq !== expected) throw corrupt(delta.path, `expected sequence number ${expected} next (after ${index === 0 ? snapshotPath : previous!.path}), found ${delta.seq}: a delta is missing`);
      const parsed = parseDelta(await readText(volumes, delta.path, call), delta.path);
      if (parsed.seq !== delta.seq) throw corrupt(delta.path, `its name says sequence number ${delta.seq}, its "seq" says ${parsed.seq}`);
      replay.apply(parsed);
      expected++;
    }
    if (options.readOnly !== true) for (const delta of covered) await volumes.delete(delta.path, call);
    return new LedgerLog(volumes, location, options, { ledger: replay.ledger(), snapshotSeq, snapshotBytes, deltas: after });
  }

  get ledger(): IngestLedger {
    return this.#ledger;
  }

  /**
   * Commits a new state: one delta file with what changed since the last commit, created only if no
   * other writer took its sequence number (LOCKED otherwise). Compacts when the deltas have grown.
   */
  async commit(next: IngestLedger): Promise<void> {
    const delta = diffLedger(this.#ledger, next, this.#seq + 1);
    // A log that starts from nothing names its source in its first delta.
    if (this.#seq === 0) delta.source = next.source;
    if (isEmptyDelta(delta)) {
      this.#ledger = next;
      return;
    }
    const path = joinVolumePath(this.location, DELTAS_FOLDER_NAME, deltaFileName(delta.seq));
    const text = serializeDelta(delta);
    try {
      await this.#volumes.write(path, text, { ...this.#call, overwrite: false });
    } catch (error) {
      if (error instanceof MlopsError && error.code === 'ALREADY_EXISTS') {
        throw new MlopsError('LOCKED', `Another writer committed ${path} (sequence number ${delta.seq}) to the ingest ledger ${this.location} first; only one ingestion may use a checkpoint at a time`, {
          cause: error,
          details: { file: path, seq: delta.seq },
        });
      }
      throw error;
    }
    this.#ledger = next;
    this.#seq = delta.seq;
    this.#deltas.push({ seq: delta.seq, path });
    this.#deltaBytes += Buffer.byteLength(text);
    if (this.#deltas.length >= COMPACT_EVERY_COMMITS && this.#deltaBytes >= this.#snapshotBytes) await this.compact();
  }

  /** Writes a snapshot of everything committed, then deletes the deltas it covers. Nothing to do without deltas. */
  async compact(): Promise<void> {
    if (this.#seq === this.#snapshotSeq) return;
    const text = serializeSnapshot({ seq: this.#seq, ledger: this.#ledger });
    await this.#volumes.write(joinVolumePath(this.location, SNAPSHOT_FILE_NAME), text, { ...this.#call, overwrite: true });
    this.#snapshotSeq = this.#seq;
    this.#snapshotBytes = Buffer.byteLength(text);
    this.#deltaBytes = 0;
    await this.#onStep?.('compacted');
    const covered = this.#deltas;
    this.#deltas = [];
    for (const delta of covered) await this.#volumes.delete(delta.path, this.#call);
  }
}

async function listDeltas(volumes: VolumeStore, folder: string, call: CallOptions): Promise<DeltaFile[]> {
  const deltas: DeltaFile[] = [];
  try {
    for await (const entry of volumes.list(folder, call)) {
      const name = entry.path.slice(entry.path.lastIndexOf('/') + 1);
      const seq = entry.isDirectory ? undefined : seqOfDeltaName(name);
      if (seq === undefined) throw corrupt(entry.path, `expected only delta files named <sequence number>.json in ${folder}`);
      deltas.push({ seq, path: entry.path });
    }
  } catch (error) {
    if (error instanceof MlopsError && error.code === 'NOT_FOUND') return [];
    throw error;
  }
  return deltas.sort((a, b) => a.seq - b.seq || (a.path < b.path ? -1 : 1));
}

async function readTextIfExists(volumes: VolumeStore, path: string, call: CallOptions): Promise<string | undefined> {
  return (await volumes.exists(path, call)) ? readText(volumes, path, call) : undefined;
}

async function readText(volumes: VolumeStore, path: string, call: CallOptions): Promise<string> {
  return new TextDecoder().decode(await volumes.read(path, call));
}
