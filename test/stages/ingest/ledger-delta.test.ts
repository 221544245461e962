import { describe, expect, it } from 'vitest';
import { commitEntry, emptyLedger, forgetEntry, withoutLeftovers, withPending } from '../../../src/stages/ingest/ledger.js';
import type { IngestLedger, LedgerEntry, PendingAttempt } from '../../../src/stages/ingest/ledger.js';
import { deltaFileName, diffLedger, isEmptyDelta, LedgerReplay, parseDelta, parseSnapshot, seqOfDeltaName, serializeDelta, serializeSnapshot } from '../../../src/stages/ingest/ledger-delta.js';
import { ledgerEntry } from '../../helpers/ledger-entries.js';

const entry = ledgerEntry;

const attempt = (path: string, etag = 'e'): PendingAttempt => ({ source_path: path, etag, started_at: 1, prefixes: [{ folder: '/Volumes/c/s/v/ingested/d', name_prefix: `${path}.k.` }] });

describe('ledger deltas', () => {
  it('replaying the diff of every step rebuilds each state exactly', () => {
    const states: IngestLedger[] = [emptyLedger('s')];
    const push = (next: (last: IngestLedger) => IngestLedger) => states.push(next(states.at(-1)!));
    push((l) => withPending(l, [attempt('b.csv'), attempt('a.csv'), attempt('c.csv')]));
    push((l) => commitEntry(l, entry('c.csv', ['/o/c1.parquet'])));
    push((l) => commitEntry(l, entry('a.csv', ['/o/a1.parquet'], { quarantine_files: ['/q/a1.parquet'] })));
    push((l) => withPending(l, [attempt('a.csv', 'again')]));
    push((l) => commitEntry(l, entry('a.csv', ['/o/a2.parquet'], { etag: 'again' })));
    push((l) => withoutLeftovers(l, [], ['/o/a1.parquet']));
    push((l) => forgetEntry(l, 'c.csv'));
    push((l) => withoutLeftovers(l, l.pending, l.obsolete));
    push((l) => ({ ...l, source: 'other' }));
    const replay = new LedgerReplay(states[0]!);
    for (let seq = 1; seq < states.length; seq++) {
      const delta = parseDelta(serializeDelta(diffLedger(states[seq - 1]!, states[seq]!, seq)), 'd');
      expect(isEmptyDelta(delta)).toBe(false);
      replay.apply(delta);
      expect(replay.ledger(), `after step ${seq}`).toEqual(states[seq]);
    }
  });

  it('a delta holds only what changed', () => {
    const before = commitEntry(commitEntry(emptyLedger('s'), entry('a.csv', ['/o/a.parquet'])), entry('b.csv', ['/o/b.parquet']));
    const after = commitEntry(withPending(before, [attempt('c.csv')]), entry('c.csv', ['/o/c.parquet']));
    expect(diffLedger(before, after, 7)).toEqual({ seq: 7, files_put: [entry('c.csv', ['/o/c.parquet'])], files_removed: [], pending_put: [], pending_removed: [], obsolete_added: [], obsolete_removed: [] });
    expect(isEmptyDelta(diffLedger(before, { ...before, files: [...before.files] }, 8))).toBe(true);
  });

  it('names deltas so they sort by sequence number, and reads the number back', () => {
    expect(deltaFileName(42)).toBe('000000000042.json');
    expect(seqOfDeltaName('000000000042.json')).toBe(42);
    expect(seqOfDeltaName('42.json')).toBe(42);
    expect(seqOfDeltaName('snapshot.json')).toBeUndefined();
  });

  it('round-trips a snapshot, and rejects damaged snapshots and deltas with CORRUPT naming the file', () => {
    const ledger = withPending(commitEntry(emptyLedger('file:///landing'), entry('a.csv', ['/o/a.parquet'])), [attempt('b.csv')]);
    expect(parseSnapshot(serializeSnapshot({ seq: 12, ledger }), 'snap')).toEqual({ seq: 12, ledger });
    const file = '/Volumes/c/s/v/checkpoints/ingest_ledger/deltas/000000000003.json';
    const good = JSON.parse(serializeDelta(diffLedger(emptyLedger('s'), ledger, 3))) as Record<string, unknown>;
    const cases: [string, RegExp][] = [
      [JSON.stringify({ ...good, version: 2 }), /expected "version": 3, found 2/],
      [JSON.stringify({ ...good, seq: -1 }), /expected "seq" to be a whole number/],
      [JSON.stringify({ ...good, files_removed: 'a.csv' }), /expected a "files_removed" array/],
      [JSON.stringify({ ...good, files_put: [{ ...(good.files_put as object[])[0], rows: '1' }] }), /files_put\[0\]\.rows should be number/],
      [JSON.stringify({ ...good, pending_put: [{ source_path: 'b.csv', prefixes: [] , x: 1 }, { source_path: 1 }] }), /pending_put\[1\] should have source_path/],
      [JSON.stringify({ ...good, obsolete_added: [1] }), /"obsolete_added" should hold strings/],
    ];
    for (const [text, message] of cases) {
      expect(() => parseDelta(text, file), text).toThrow(expect.objectContaining({ code: 'CORRUPT', message: expect.stringMatching(message), details: { file } }));
    }
    expect(() => parseSnapshot(JSON.stringify({ version: 3, seq: 1.5 }), 'snap')).toThrow(/"seq" to be a whole number/);
    expect(() => parseSnapshot(serializeSnapshot({ seq: 1, ledger }).replace('"pending"', '"pendings"'), 'snap')).toThrow(/expected "files", "pending" and "obsolete" arrays/);
  });
});
