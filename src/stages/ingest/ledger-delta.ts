import { checkEntry, checkLedgerBody, checkPending, corrupt } from './ledger.js';
import type { IngestLedger, LedgerEntry, PendingAttempt } from './ledger.js';
import { pushAll } from '../../arrays.js';

/** The ledger as of sequence number `seq`: every commit up to and including it. */
export interface LedgerSnapshot {
  seq: number;
  ledger: IngestLedger;
}

/**
 * One commit: what changed from the state at seq - 1. Small (the entries it touches), so a commit costs
 * bytes in proportion to the change, not to the ledger.
 */
export interface LedgerDelta {
  seq: number;
  /** Present when the source URL (without credentials) changed. */
  source?: string;
  /** Entries added or replaced, by source_path. */
  files_put: LedgerEntry[];
  files_removed: string[];
  /** Attempts recorded (replacing any of the same source_path). */
  pending_put: PendingAttempt[];
  pending_removed: string[];
  obsolete_added: string[];
  obsolete_removed: string[];
}

const SNAPSHOT_VERSION = 3;
/** Wide enough that names sort as numbers for any ledger that will ever exist. */
const SEQ_DIGITS = 12;
const DELTA_NAME = /^(\d+)\.json$/;

export function deltaFileName(seq: number): string {
  return `${String(seq).padStart(SEQ_DIGITS, '0')}.json`;
}

/** The sequence number a delta file's name carries, or undefined if it is not a delta's name. */
export function seqOfDeltaName(name: string): number | undefined {
  const match = DELTA_NAME.exec(name);
  return match === null ? undefined : Number(match[1]);
}

/**
 * What changed between two states. Relies on what the ledger's operations keep: files sorted by
 * source_path and unchanged entries/attempts kept by reference, so a diff is a linear walk.
 */
export function diffLedger(before: IngestLedger, after: IngestLedger, seq: number): LedgerDelta {
  const delta: LedgerDelta = { seq, files_put: [], files_removed: [], pending_put: [], pending_removed: [], obsolete_added: [], obsolete_removed: [] };
  if (after.source !== before.source) delta.source = after.source;
  if (after.files !== before.files) diffSorted(before.files, after.files, delta);
  if (after.pending !== before.pending) {
    // after.pending is a subsequence of before.pending followed by new attempts (withPending, commitEntry, withoutLeftovers).
    let j = 0;
    for (const attempt of before.pending) {
      if (after.pending[j] === attempt) j++;
      else delta.pending_removed.push(attempt.source_path);
    }
    pushAll(delta.pending_put, after.pending.slice(j));
  }
  if (after.obsolete !== before.obsolete) {
    const was = new Set(before.obsolete);
    const is = new Set(after.obsolete);
    delta.obsolete_removed = [...was].filter((path) => !is.has(path));
    delta.obsolete_added = [...is].filter((path) => !was.has(path));
  }
  return delta;
}

function diffSorted(before: readonly LedgerEntry[], after: readonly LedgerEntry[], delta: LedgerDelta): void {
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const old = before[i];
    const now = after[j];
    if (old !== undefined && now !== undefined && old.source_path === now.source_path) {
      if (old !== now) delta.files_put.push(now);
      i++;
      j++;
    } else if (now === undefined || (old !== undefined && old.source_path < now.source_path)) {
      delta.files_removed.push(old!.source_path);
      i++;
    } else {
      delta.files_put.push(now);
      j++;
    }
  }
}

export function isEmptyDelta(delta: LedgerDelta): boolean {
  return (
    delta.source === undefined &&
    delta.files_put.length + delta.files_removed.length + delta.pending_put.length + delta.pending_removed.length + delta.obsolete_added.length + delta.obsolete_removed.length === 0
  );
}

/** A ledger being rebuilt from a snapshot and its deltas: maps, so each delta costs its own size. */
export class LedgerReplay {
  #source: string;
  readonly #files: Map<string, LedgerEntry>;
  readonly #pending: Map<string, PendingAttempt>;
  #obsolete: string[];

  constructor(start: IngestLedger) {
    this.#source = start.source;
    this.#files = new Map(start.files.map((entry) => [entry.source_path, entry]));
    this.#pending = new Map(start.pending.map((attempt) => [attempt.source_path, attempt]));
    this.#obsolete = [...start.obsolete];
  }

  apply(delta: LedgerDelta): void {
    if (delta.source !== undefined) this.#source = delta.source;
    for (const path of delta.files_removed) this.#files.delete(path);
    for (const entry of delta.files_put) this.#files.set(entry.source_path, entry);
    for (const path of delta.pending_removed) this.#pending.delete(path);
    for (const attempt of delta.pending_put) {
      this.#pending.delete(attempt.source_path);
      this.#pending.set(attempt.source_path, attempt);
    }
    if (delta.obsolete_removed.length > 0) {
      const removed = new Set(delta.obsolete_removed);
      this.#obsolete = this.#obsolete.filter((path) => !removed.has(path));
    }
    pushAll(this.#obsolete, delta.obsolete_added.filter((path) => !this.#obsolete.includes(path)));
  }

  ledger(): IngestLedger {
    const files = [...this.#files.values()].sort((a, b) => (a.source_path < b.source_path ? -1 : a.source_path > b.source_path ? 1 : 0));
    return { version: 2, source: this.#source, files, pending: [...this.#pending.values()], obsolete: [...this.#obsolete] };
  }
}

export function serializeSnapshot(snapshot: LedgerSnapshot): string {
  const { source, files, pending, obsolete } = snapshot.ledger;
  return `${JSON.stringify({ version: SNAPSHOT_VERSION, seq: snapshot.seq, source, files, pending, obsolete })}\n`;
}

export function serializeDelta(delta: LedgerDelta): string {
  return `${JSON.stringify({ version: SNAPSHOT_VERSION, ...delta })}\n`;
}

export function parseSnapshot(text: string, where: string): LedgerSnapshot {
  const raw = parseObject(text, where);
  if (raw.version !== SNAPSHOT_VERSION) throw corrupt(where, `expected "version": ${SNAPSHOT_VERSION}, found ${JSON.stringify(raw.version)}`);
  if (!isSeq(raw.seq)) throw corrupt(where, `expected "seq" to be a whole number ≥ 0, found ${JSON.stringify(raw.seq)}`);
  return { seq: raw.seq, ledger: checkLedgerBody(raw, where) };
}

export function parseDelta(text: string, where: string): LedgerDelta {
  const raw = parseObject(text, where);
  if (raw.version !== SNAPSHOT_VERSION) throw corrupt(where, `expected "version": ${SNAPSHOT_VERSION}, found ${JSON.stringify(raw.version)}`);
  if (!isSeq(raw.seq)) throw corrupt(where, `expected "seq" to be a whole number ≥ 0, found ${JSON.stringify(raw.seq)}`);
  if (raw.source !== undefined && typeof raw.source !== 'string') throw corrupt(where, '"source" should be a string');
  const lists = ['files_put', 'files_removed', 'pending_put', 'pending_removed', 'obsolete_added', 'obsolete_removed'] as const;
  for (const key of lists) if (!Array.isArray(raw[key])) throw corrupt(where, `expected a "${key}" array`);
  (raw.files_put as unknown[]).forEach((entry, index) => checkEntry(entry, `files_put[${index}]`, where));
  (raw.pending_put as unknown[]).forEach((attempt, index) => checkPending(attempt, `pending_put[${index}]`, where));
  for (const key of ['files_removed', 'pending_removed', 'obsolete_added', 'obsolete_removed'] as const) {
    if (!(raw[key] as unknown[]).every((item) => typeof item === 'string')) throw corrupt(where, `"${key}" should hold strings`);
  }
  return raw as unknown as LedgerDelta;
}

function parseObject(text: string, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw corrupt(where, `it is not JSON (${error instanceof Error ? error.message : String(error)})`, error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw corrupt(where, 'expected a JSON object');
  return value as Record<string, unknown>;
}

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
