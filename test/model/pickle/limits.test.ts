import { describe, expect, it } from 'vitest';
import { combineAllowLists } from '../../../src/model/pickle/allow-list.js';
import { PYTHON_BUILTINS_ALLOW_LIST } from '../../../src/model/pickle/builtins.js';
import { DEFAULT_UNPICKLE_LIMITS } from '../../../src/model/pickle/limits.js';
import { NUMPY_ALLOW_LIST } from '../../../src/model/pickle/numpy.js';
import { unpickle, unpickleAsync, type UnpickleOptions } from '../../../src/model/pickle/unpickle.js';
import { describePickleValue, type PickleValue } from '../../../src/model/pickle/values.js';
import { rejectedMlopsError, thrownMlopsError } from '../../helpers/errors.js';
import { PickleBytes } from '../../helpers/pickle-bytes.js';

const allowList = combineAllowLists(PYTHON_BUILTINS_ALLOW_LIST, NUMPY_ALLOW_LIST);
const options = (extra: Partial<UnpickleOptions> = {}): UnpickleOptions => ({ allowList, source: 'hostile.pkl', ...extra });

/** PROTO 4, LONG4 of `length` pseudo-random bytes (top byte < 0x80: positive), STOP. */
function long4Pickle(length: number): { bytes: Uint8Array; payload: Uint8Array } {
  const payload = new Uint8Array(length);
  for (let i = 0; i < length; i++) payload[i] = (i * 131 + 7) & 0xff;
  payload[length - 1] = 0x41;
  const bytes = new Uint8Array(2 + 1 + 4 + length + 1);
  bytes.set([0x80, 4, 0x8b]);
  new DataView(bytes.buffer).setInt32(3, length, true);
  bytes.set(payload, 7);
  bytes[bytes.length - 1] = 0x2e;
  return { bytes, payload };
}

function limitError(bytes: Uint8Array, extra: Partial<UnpickleOptions> = {}) {
  const error = thrownMlopsError(() => unpickle(bytes, options(extra)), 'INVALID_ARGUMENT');
  expect(error.message).toMatch(/^hostile\.pkl, byte \d+ /);
  return error;
}

describe('unpickle: big integers are built in linear time, within a limit', () => {
  it('decodes a 1 MB LONG4 integer exactly, in bounded time (was minutes: a quadratic build)', () => {
    const { bytes, payload } = long4Pickle(1_000_000);
    const started = performance.now();
    const value = unpickle(bytes, options()) as bigint;
    const elapsed = performance.now() - started;
    expect(typeof value).toBe('bigint');
    // The low 64 bits and the top byte are the payload's first 8 and last byte, little-endian.
    expect(BigInt.asUintN(64, value)).toBe(new DataView(payload.buffer).getBigUint64(0, true));
    expect(value >> BigInt(8 * (payload.length - 1))).toBe(0x41n);
    // A sanity bound only (the linear growth is measured in bench/pickle.mjs): the old build took minutes.
    expect(elapsed).toBeLessThan(10_000);
    // Describing it for an error message does not print 2.4 million digits.
    expect(describePickleValue(value)).toBe(`int of ${payload.length * 8} bits`);
  });

  it('decodes negative LONG1/LONG4 values as two\'s complement', () => {
    expect(unpickle(new PickleBytes().proto(2).op(0x8a).raw([2, 0x00, 0xff]).stop().toBytes(), options())).toBe(-256);
    const bytes = new PickleBytes().proto(2).op(0x8b).u32(9).raw([1, 0, 0, 0, 0, 0, 0, 0, 0x80]).stop().toBytes();
    expect(unpickle(bytes, options())).toBe(-(2n ** 71n) + 1n);
  });

  it('refuses a 4 MB LONG4 by default, naming the file and limits.maxIntegerBytes, and decodes it when the limit is raised', () => {
    const { bytes } = long4Pickle(4 * 1024 * 1024);
    const error = limitError(bytes);
    expect(error.message).toContain('limits.maxIntegerBytes');
    expect(error.message).toContain(`${4 * 1024 * 1024} bytes in one binary integer is over the limit of ${DEFAULT_UNPICKLE_LIMITS.maxIntegerBytes}`);
    expect(error.details).toMatchObject({ source: 'hostile.pkl', limit: 'maxIntegerBytes', found: 4 * 1024 * 1024 });
    const value = unpickle(bytes, options({ limits: { maxIntegerBytes: 8 * 1024 * 1024 } })) as bigint;
    expect(value >> BigInt(8 * (4 * 1024 * 1024 - 1))).toBe(0x41n);
  });

  it('refuses a text INT of more digits than Python itself converts (4300)', () => {
    const digits = '9'.repeat(100_000);
    const error = limitError(new PickleBytes().op('I').raw(new TextEncoder().encode(`${digits}\n`)).stop().toBytes());
    expect(error.details).toMatchObject({ limit: 'maxIntegerDigits', found: 100_000 });
    expect(unpickle(new PickleBytes().op('L').raw(new TextEncoder().encode(`-${'7'.repeat(4300)}L\n`)).stop().toBytes(), options())).toBe(-BigInt('7'.repeat(4300)));
  });
});

describe('unpickle: declared lengths are checked before anything is allocated', () => {
  it('refuses huge declared lengths with the limit named, not an allocation failure', () => {
    const cases: [string, Uint8Array, string][] = [
      ['LONG4 of 2 GiB', new PickleBytes().proto(2).op(0x8b).raw([0xff, 0xff, 0xff, 0x7f]).stop().toBytes(), 'maxIntegerBytes'],
      ['BINUNICODE8 of 2^50 bytes', new PickleBytes().proto(4).op(0x8d).u64(2 ** 50).stop().toBytes(), 'maxValueBytes'],
      ['BINBYTES8 of 2^40 bytes', new PickleBytes().proto(4).op(0x8e).u64(2 ** 40).stop().toBytes(), 'maxValueBytes'],
      ['BINBYTES of 4 GiB - 1', new PickleBytes().proto(3).op('B').u32(0xffff_ffff).stop().toBytes(), 'maxValueBytes'],
    ];
    for (const [, bytes, limit] of cases) expect(limitError(bytes).details).toMatchObject({ limit });
  });

  it('reports a declared length within the limits but past the end as a truncated pickle', () => {
    const error = thrownMlopsError(() => unpickle(new PickleBytes().proto(3).op('B').u32(1000).raw([1, 2, 3]).toBytes(), options()), 'CORRUPT');
    expect(error.message).toContain('truncated');
  });

  it('refuses a single value over a lowered maxValueBytes, protocol 0 text included', () => {
    expect(limitError(new PickleBytes().str('x'.repeat(300)).stop().toBytes(), { limits: { maxValueBytes: 100 } }).details).toMatchObject({ limit: 'maxValueBytes', found: 300 });
    const text = new PickleBytes().op('V').raw(new TextEncoder().encode(`${'y'.repeat(300)}\n`)).stop().toBytes();
    expect(limitError(text, { limits: { maxValueBytes: 100 } }).details).toMatchObject({ limit: 'maxValueBytes' });
  });

  it('refuses an input over maxInputBytes before reading an opcode', () => {
    const error = limitError(new PickleBytes().proto(2).none().stop().toBytes(), { limits: { maxInputBytes: 3 } });
    expect(error.details).toMatchObject({ limit: 'maxInputBytes', found: 4 });
  });

  it('refuses a numpy array of zero-width items whose shape declares billions of them', () => {
    // _frombuffer(b'', dtype('<U0'), (100000, 100000), 'C')
    const shaped = new PickleBytes().proto(4)
      .stackGlobal('numpy.core.numeric', '_frombuffer').mark().bytes(new Uint8Array(0)).dtype('U0').mark().int(100_000).int(100_000).tuple().str('C').tuple().reduce().stop().toBytes();
    const error = thrownMlopsError(() => unpickle(shaped, options()), 'INVALID_ARGUMENT');
    expect(error.message).toContain('declares 10000000000 empty items');
  });
});

describe('unpickle: nesting, stack and memo are bounded', () => {
  it('refuses 20,000 nested MARKs (limits.maxStackDepth, default 10,000)', () => {
    const bytes = new Uint8Array(20_002).fill(0x28);
    bytes[20_001] = 0x2e;
    const error = limitError(bytes);
    expect(error.details).toMatchObject({ limit: 'maxStackDepth', max: 10_000, found: 10_001 });
  });

  it('decodes 5,000 nested lists (MARK-built) and refuses the same with a lower maxStackDepth', () => {
    const depth = 5_000;
    const builder = new PickleBytes().proto(2);
    for (let i = 0; i < depth; i++) builder.mark();
    for (let i = 0; i < depth; i++) builder.op('l');
    const bytes = builder.stop().toBytes();
    let value = unpickle(bytes, options()) as PickleValue[];
    let levels = 1;
    while (value.length === 1) {
      value = value[0] as PickleValue[];
      levels++;
    }
    expect(levels).toBe(depth);
    expect(limitError(bytes, { limits: { maxStackDepth: 1_000 } }).details).toMatchObject({ limit: 'maxStackDepth' });
  });

  it('refuses a stack that grows past maxStackItems (values pushed and never consumed)', () => {
    const bytes = new Uint8Array(2_004).fill(0x5d); // EMPTY_LIST × 2,001
    bytes.set([0x80, 2]);
    bytes[2_003] = 0x2e;
    expect(limitError(bytes, { limits: { maxStackItems: 2_000 } }).details).toMatchObject({ limit: 'maxStackItems', max: 2_000, found: 2_001 });
    // Values that are consumed free their place: 5,000 NONE/POP pairs stay at depth 1.
    const pairs = new PickleBytes().proto(2);
    for (let i = 0; i < 5_000; i++) pairs.none().op('0');
    expect(unpickle(pairs.none().stop().toBytes(), options({ limits: { maxStackItems: 2 } }))).toBeNull();
  });

  it('refuses a memo bomb: more memo entries than maxMemoEntries', () => {
    const builder = new PickleBytes().proto(4).none();
    for (let i = 0; i < 1_001; i++) builder.op(0x94); // MEMOIZE
    expect(limitError(builder.stop().toBytes(), { limits: { maxMemoEntries: 1_000 } }).details).toMatchObject({ limit: 'maxMemoEntries', found: 1_001 });
  });

  it('stores a LONG_BINPUT at index 4,294,967,295 without allocating a 4-billion-slot memo', () => {
    const bytes = new PickleBytes().proto(2).none().op('r').u32(0xffff_ffff).op('0').op('j').u32(0xffff_ffff).stop().toBytes();
    expect(unpickle(bytes, options())).toBeNull();
  });

  it('decodes an exponential sharing bomb (6 levels × 1,000 references: 10^18 leaves) in bounded time, sharing kept', () => {
    // x0 = [None]*1000; x(k+1) = [x(k)]*1000 — each level memoised and re-read by BINGET.
    const builder = new PickleBytes().proto(2).op(']').op('q').raw([0]).mark();
    for (let i = 0; i < 1_000; i++) builder.none();
    builder.op('e');
    for (let level = 1; level <= 6; level++) {
      builder.op(']').op('q').raw([level]).mark();
      for (let i = 0; i < 1_000; i++) builder.op('h').raw([level - 1]);
      builder.op('e');
    }
    const started = performance.now();
    const top = unpickle(builder.stop().toBytes(), options()) as PickleValue[];
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(top).toHaveLength(1_000);
    expect(top[0]).toBe(top[999]);
  });

  it('refuses more container items than maxElements (APPENDS of a long batch included)', () => {
    const builder = new PickleBytes().proto(2).op(']').mark();
    for (let i = 0; i < 200_000; i++) builder.none();
    const bytes = builder.op('e').stop().toBytes();
    expect((unpickle(bytes, options()) as PickleValue[]).length).toBe(200_000);
    expect(limitError(bytes, { limits: { maxElements: 100_000 } }).details).toMatchObject({ limit: 'maxElements', found: 200_000 });
  });
});

describe('unpickle is interruptible', () => {
  /** Millions of NONE/POP pairs: benign, but long to interpret. */
  function longPickle(pairs: number): Uint8Array {
    const bytes = new Uint8Array(2 + pairs * 2 + 2);
    bytes.set([0x80, 2]);
    for (let i = 0; i < pairs; i++) bytes.set([0x4e, 0x30], 2 + i * 2);
    bytes.set([0x4e, 0x2e], 2 + pairs * 2);
    return bytes;
  }

  it('unpickleAsync yields to the event loop, so an abort fired by a timer stops it with ABORTED naming the file', async () => {
    const bytes = longPickle(20_000_000);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('SIGTERM')), 30);
    const started = performance.now();
    const error = await rejectedMlopsError(unpickleAsync(bytes, options({ signal: controller.signal })), 'ABORTED');
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(error.message).toMatch(/^hostile\.pkl: decoding was cancelled at byte \d+ of 40000004$/);
    expect(error.details!['offset']).toBeLessThan(bytes.length);
  });

  it('unpickleAsync returns the same value as unpickle when not aborted', async () => {
    const bytes = longPickle(100_000);
    expect(await unpickleAsync(bytes, options({ signal: new AbortController().signal }))).toBeNull();
  });

  it('unpickle with an already-aborted signal does nothing', () => {
    thrownMlopsError(() => unpickle(longPickle(10), options({ signal: AbortSignal.abort() })), 'ABORTED');
  });
});
