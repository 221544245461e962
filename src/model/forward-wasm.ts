/**
 * Float32Forward's arithmetic as a tiny WebAssembly module with 128-bit SIMD, written out here
 * opcode by opcode (no toolchain): what batch scoring runs on its first batch while TensorFlow.js
 * loads.
 *
 * Why: the same loops in JavaScript round every product and sum through Math.fround and ran at
 * ~7 ns per multiply-add even once optimised (65,536 Iris rows through a 16-unit layer: ~50 ms);
 * on the first batch they also run cold (interpreted, every double boxed) before V8 optimises
 * them. V8 compiles this module at once with its baseline compiler: no cold phase. Every
 * operation is the one the JavaScript did, with the same rounding, so the results are the same
 * bits: WebAssembly's f32x4.mul and f32x4.add round each lane to float32 exactly as
 * `Math.fround(a * b)` and `Math.fround(s + p)` do (the double product of two floats is exact,
 * and a double sum of two floats rounds to the same float); f32.demote_f64 rounds as
 * Math.fround; the exponential is Math.exp itself, imported. No fused multiply-add is used (that
 * would round once, not twice).
 *
 * Functions (byte offsets and counts are i32):
 * - `dense(in, inStride, inUnits, rows, w, b, groups, out, biasFirst, relu)`: one Dense layer's
 *   sums, four units at a time. For every row r and every group g of four units:
 *   acc = biasFirst ? b[g] : 0;  for i < inUnits: acc = acc + splat(in[r·inStride + i]) · w[i·groups + g]
 *   if !biasFirst: acc = acc + b[g];  if relu: acc = (0 < acc ? acc : 0)   (f32x4.pmax(0, acc))
 *   out[r·groups + g] = acc
 *   where w and b are padded to whole groups with zeros (see packDenseLayer).
 * - `normalize(column, rows, mean, std, out, stride) → bad`: for each row, v = fround(column[r])
 *   (a float64), out[r·stride] = fround((v − mean) / std); returns how many v are NaN or ±∞.
 * - `softmax(logits, stride, rows, classes, out, scratch)`: per row, shifted by its largest
 *   logit, exps (float64) in class order, their sum, out[r·classes + k] = fround(exp_k / sum);
 *   exp(0) is taken as 1 without a call (Math.exp(±0) is 1 by definition).
 * - `split(probabilities, rows, classes, columns, predicted)`: each class's float64 column
 *   (column k at columns + k·rows·8) and the predicted class per row (the first of the largest;
 *   a NaN never wins over the class before it).
 */

import { MlopsError } from '../errors.js';

const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;

// Control and variable instructions.
const BLOCK = 0x02;
const LOOP = 0x03;
const IF = 0x04;
const ELSE = 0x05;
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const CALL = 0x10;
const EMPTY = 0x40;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
// Memory: the opcode, then the alignment hint (log2 bytes) and the offset 0.
const F32_LOAD = [0x2a, 2, 0];
const F64_LOAD = [0x2b, 3, 0];
const I32_STORE = [0x36, 2, 0];
const F32_STORE = [0x38, 2, 0];
const F64_STORE = [0x39, 3, 0];
// Numeric instructions.
const I32_CONST = 0x41;
const F64_CONST = 0x44;
const I32_EQZ = 0x45;
const I32_GE_U = 0x4f;
const F64_EQ = 0x61;
const F64_NE = 0x62;
const F64_GT = 0x64;
const I32_ADD = 0x6a;
const I32_MUL = 0x6c;
const I32_SHL = 0x74;
const F64_ADD = 0xa0;
const F64_SUB = 0xa1;
const F64_DIV = 0xa3;
const F32_DEMOTE_F64 = 0xb6;
const F64_PROMOTE_F32 = 0xbb;
// SIMD instructions: the 0xfd prefix, then the opcode as unsigned LEB128 (alignment hint 4 bytes).
const SIMD = 0xfd;
const V128_LOAD = [SIMD, 0x00, 2, 0];
const V128_LOAD32_SPLAT = [SIMD, 0x09, 2, 0];
const V128_STORE = [SIMD, 0x0b, 2, 0];
const V128_CONST = [SIMD, 0x0c];
const F32X4_ADD = [SIMD, 0xe4, 0x01];
const F32X4_MUL = [SIMD, 0xe6, 0x01];
const F32X4_PMAX = [SIMD, 0xeb, 0x01];

/** The imported Math.exp: function index 0; the module's own functions follow. */
const EXP = 0;

function unsignedLeb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

/** Instructions, nested as written (flattened once, in `body`: spreading every piece cost ~3 ms of cold code). */
type Code = (number | Code)[];

const get = (index: number): Code => [LOCAL_GET, index];
const set = (index: number): Code => [LOCAL_SET, index];
const tee = (index: number): Code => [LOCAL_TEE, index];
/** i32.const of a small non-negative constant (< 64: one signed LEB128 byte). */
const small = (value: number): Code => [I32_CONST, value];
/** local[index] += local[by] << shift */
const advance = (index: number, by: number, shift: number): Code => [get(index), get(by), small(shift), I32_SHL, I32_ADD, set(index)];
const addConstant = (index: number, constant: number): Code => [get(index), small(constant), I32_ADD, set(index)];
/** local[base] + (local[index] << shift): an element's address. */
const element = (base: number, index: number, shift: number): Code => [get(base), get(index), small(shift), I32_SHL, I32_ADD];
const zeroVector = (): Code => [V128_CONST, new Array<number>(16).fill(0)];
const f64Constant = (value: number): Code => [F64_CONST, Array.from(new Uint8Array(Float64Array.of(value).buffer))];
/** for (; local[counter] < local[limit]; ) { body }: the body must advance the counter; `br 0` in it continues. */
const whileBelow = (counter: number, limit: number, body: Code): Code => [BLOCK, EMPTY, LOOP, EMPTY, get(counter), get(limit), I32_GE_U, BR_IF, 1, body, BR, 0, END, END];

function denseBody(): Code {
  const IN = 0, IN_STRIDE = 1, IN_UNITS = 2, ROWS = 3, W = 4, B = 5, GROUPS = 6, OUT = 7, BIAS_FIRST = 8, RELU = 9;
  const R = 10, G = 11, I = 12, X = 13, WP = 14, BP = 15, ACC = 16;
  const units = [
    // bp = b + g·16; acc = biasFirst ? b[g] : 0
    element(B, G, 4), set(BP),
    zeroVector(), set(ACC),
    get(BIAS_FIRST), IF, EMPTY, get(BP), V128_LOAD, set(ACC), END,
    // wp = w + g·16; x = in; for (i = 0; i < inUnits; i++): acc = acc + splat(*x) · *wp
    element(W, G, 4), set(WP),
    get(IN), set(X),
    small(0), set(I),
    whileBelow(I, IN_UNITS, [
      get(ACC),
      get(X), V128_LOAD32_SPLAT,
      get(WP), V128_LOAD,
      F32X4_MUL,
      F32X4_ADD,
      set(ACC),
      addConstant(X, 4),
      advance(WP, GROUPS, 4),
      addConstant(I, 1),
    ]),
    // if (!biasFirst) acc = acc + b[g]; if (relu) acc = pmax(0, acc), i.e. 0 < acc ? acc : 0 — as `sum > 0 ? sum : 0` (NaN → 0)
    get(BIAS_FIRST), I32_EQZ, IF, EMPTY, get(ACC), get(BP), V128_LOAD, F32X4_ADD, set(ACC), END,
    get(RELU), IF, EMPTY, zeroVector(), get(ACC), F32X4_PMAX, set(ACC), END,
    get(OUT), get(ACC), V128_STORE,
    addConstant(OUT, 16),
    addConstant(G, 1),
  ];
  return [
    whileBelow(R, ROWS, [small(0), set(G), whileBelow(G, GROUPS, units), advance(IN, IN_STRIDE, 2), addConstant(R, 1)]),
  ];
}

function normalizeBody(): Code {
  const COLUMN = 0, ROWS = 1, MEAN = 2, STD = 3, OUT = 4, STRIDE = 5, R = 6, BAD = 7, V = 8;
  return [
    whileBelow(R, ROWS, [
      // v = fround(column[r]); out[r·stride] = fround((v − mean) / std)
      get(OUT),
      get(COLUMN), F64_LOAD, F32_DEMOTE_F64, F64_PROMOTE_F32, tee(V),
      get(MEAN), F64_SUB, get(STD), F64_DIV, F32_DEMOTE_F64,
      F32_STORE,
      // bad += (v − v ≠ 0): NaN and ±∞
      get(V), get(V), F64_SUB, f64Constant(0), F64_NE, get(BAD), I32_ADD, set(BAD),
      addConstant(COLUMN, 8),
      advance(OUT, STRIDE, 2),
      addConstant(R, 1),
    ]),
    get(BAD),
  ];
}

function softmaxBody(): Code {
  const LOGITS = 0, STRIDE = 1, ROWS = 2, CLASSES = 3, OUT = 4, SCRATCH = 5, R = 6, K = 7, MAX = 8, TOTAL = 9, E = 10;
  const logit = [element(LOGITS, K, 2), F32_LOAD, F64_PROMOTE_F32];
  return [
    whileBelow(R, ROWS, [
      // max = the row's largest logit (from −∞, strictly greater)
      f64Constant(-Infinity), set(MAX),
      small(0), set(K),
      whileBelow(K, CLASSES, [logit, tee(E), get(MAX), F64_GT, IF, EMPTY, get(E), set(MAX), END, addConstant(K, 1)]),
      // total = Σ (scratch[k] = exp(logit_k − max)), in class order
      f64Constant(0), set(TOTAL),
      small(0), set(K),
      whileBelow(K, CLASSES, [
        // exp(0) is 1 exactly (the row's largest logit): no call for it
        logit, get(MAX), F64_SUB, tee(E), f64Constant(0), F64_EQ, IF, F64, f64Constant(1), ELSE, get(E), CALL, EXP, END, set(E),
        element(SCRATCH, K, 3), get(E), F64_STORE,
        get(TOTAL), get(E), F64_ADD, set(TOTAL),
        addConstant(K, 1),
      ]),
      // out[k] = fround(scratch[k] / total)
      small(0), set(K),
      whileBelow(K, CLASSES, [element(OUT, K, 2), element(SCRATCH, K, 3), F64_LOAD, get(TOTAL), F64_DIV, F32_DEMOTE_F64, F32_STORE, addConstant(K, 1)]),
      advance(LOGITS, STRIDE, 2),
      advance(OUT, CLASSES, 2),
      addConstant(R, 1),
    ]),
  ];
}

function splitBody(): Code {
  const PROBABILITIES = 0, ROWS = 1, CLASSES = 2, COLUMNS = 3, PREDICTED = 4, R = 5, K = 6, LABEL = 7, COLUMN_BYTES = 8, AT = 9, BEST = 10, V = 11;
  return [
    get(ROWS), small(3), I32_SHL, set(COLUMN_BYTES),
    whileBelow(R, ROWS, [
      // best = p[0], label 0, column 0 = best; then each class k ≥ 1: column k = p[k], a strictly greater p[k] wins
      element(COLUMNS, R, 3), tee(AT),
      get(PROBABILITIES), F32_LOAD, F64_PROMOTE_F32, tee(BEST),
      F64_STORE,
      small(0), set(LABEL),
      small(1), set(K),
      whileBelow(K, CLASSES, [
        get(AT), get(COLUMN_BYTES), I32_ADD, tee(AT),
        element(PROBABILITIES, K, 2), F32_LOAD, F64_PROMOTE_F32, tee(V),
        F64_STORE,
        get(V), get(BEST), F64_GT, IF, EMPTY, get(V), set(BEST), get(K), set(LABEL), END,
        addConstant(K, 1),
      ]),
      element(PREDICTED, R, 2), get(LABEL), I32_STORE,
      advance(PROBABILITIES, CLASSES, 2),
      addConstant(R, 1),
    ]),
  ];
}

function section(id: number, content: number[]): number[] {
  return [id, ...unsignedLeb(content.length), ...content];
}

function name(text: string): number[] {
  return [...unsignedLeb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];
}

/** A function body: its locals as (count, type) runs, its code, END. */
function body(locals: [number, number][], code: Code): number[] {
  const bytes = [locals.length, ...locals.flat(), ...((code as unknown[]).flat(Infinity) as number[]), END];
  return [...unsignedLeb(bytes.length), ...bytes];
}

const funcType = (params: number[], results: number[]): number[] => [0x60, params.length, ...params, results.length, ...results];

/** The module's bytes: Math.exp imported as `math.exp`; `dense`, `normalize`, `softmax`, `split` and `memory` (grown by the caller) exported. */
export function forwardWasmBytes(): Uint8Array {
  const types = [
    funcType(new Array<number>(10).fill(I32), []), // 0 dense
    funcType([F64], [F64]), // 1 exp
    funcType([I32, I32, F64, F64, I32, I32], [I32]), // 2 normalize
    funcType(new Array<number>(6).fill(I32), []), // 3 softmax
    funcType(new Array<number>(5).fill(I32), []), // 4 split
  ];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [types.length, ...types.flat()]),
    ...section(2, [1, ...name('math'), ...name('exp'), 0x00, 1]),
    ...section(3, [4, 0, 2, 3, 4]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [5, ...name('memory'), 0x02, 0, ...name('dense'), 0x00, 1, ...name('normalize'), 0x00, 2, ...name('softmax'), 0x00, 3, ...name('split'), 0x00, 4]),
    ...section(10, [
      4,
      ...body([[6, I32], [1, V128]], denseBody()),
      ...body([[2, I32], [1, F64]], normalizeBody()),
      ...body([[2, I32], [3, F64]], softmaxBody()),
      ...body([[5, I32], [2, F64]], splitBody()),
    ]),
  ]);
}

/** The global WebAssembly API, as far as this module uses it (the project's lib has no WebAssembly types). */
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmExports {
  memory: WasmMemory;
  dense: (input: number, inStride: number, inUnits: number, rows: number, weights: number, bias: number, groups: number, output: number, biasFirst: number, relu: number) => void;
  normalize: (column: number, rows: number, mean: number, std: number, output: number, stride: number) => number;
  softmax: (logits: number, stride: number, rows: number, classes: number, output: number, scratch: number) => void;
  split: (probabilities: number, rows: number, classes: number, columns: number, predicted: number) => void;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: WasmExports };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

/** The compiled module, or null where this runtime cannot compile it (no WebAssembly SIMD). */
function compiledModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = new wasmApi.Module(forwardWasmBytes());
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Whether the kernel runs here (WebAssembly with SIMD: every Node 20 build on x64 and arm64). */
export function forwardWasmAvailable(): boolean {
  return compiledModule() !== null;
}

/** A layer's weights and bias as `dense` reads them: w[(i·groups + g)·4 + lane] = kernel[i·units + 4g + lane], zero-padded. */
export function packDenseLayer(inputUnits: number, units: number, kernel: ArrayLike<number>, bias: ArrayLike<number>): { weights: Float32Array; bias: Float32Array; groups: number } {
  const groups = Math.ceil(units / 4);
  const weights = new Float32Array(inputUnits * groups * 4);
  for (let i = 0; i < inputUnits; i++) for (let k = 0; k < units; k++) weights[i * groups * 4 + k] = kernel[i * units + k]!;
  const padded = new Float32Array(groups * 4);
  for (let k = 0; k < units; k++) padded[k] = bias[k]!;
  return { weights, bias: padded, groups };
}

/** One instance of the kernel with its own memory, which grows to the largest call. Offsets are in bytes. */
export class ForwardWasm {
  readonly #memory: WasmMemory;
  readonly #exports: WasmExports;

  constructor() {
    const module = compiledModule();
    if (module === null) throw new MlopsError('INTERNAL', 'The forward-pass kernel needs WebAssembly SIMD, which this runtime lacks (check forwardWasmAvailable first)');
    const { exports } = new wasmApi.Instance(module, { math: { exp: Math.exp } });
    this.#memory = exports.memory;
    this.#exports = exports;
  }

  /** At least `bytes` bytes of memory; views taken before a call to this may be stale after it. */
  reserve(bytes: number): void {
    const missing = bytes - this.#memory.buffer.byteLength;
    if (missing > 0) this.#memory.grow(Math.ceil(missing / 65_536));
  }

  /** Views of the memory at a byte offset (a multiple of 16 for `dense`'s arrays, of 8 for float64). */
  floats(byteOffset: number, length: number): Float32Array {
    return new Float32Array(this.#memory.buffer, byteOffset, length);
  }

  doubles(byteOffset: number, length: number): Float64Array {
    return new Float64Array(this.#memory.buffer, byteOffset, length);
  }

  ints(byteOffset: number, length: number): Int32Array {
    return new Int32Array(this.#memory.buffer, byteOffset, length);
  }

  /** See the module's comment; strides and counts in floats (inStride) or units. */
  dense(input: number, inStride: number, inUnits: number, rows: number, weights: number, bias: number, groups: number, output: number, biasFirst: boolean, relu: boolean): void {
    this.#exports.dense(input, inStride, inUnits, rows, weights, bias, groups, output, biasFirst ? 1 : 0, relu ? 1 : 0);
  }

  /** Normalises a float64 column into every `stride`-th float of `output`; returns how many values are NaN or infinite (as float32). */
  normalize(column: number, rows: number, mean: number, std: number, output: number, stride: number): number {
    return this.#exports.normalize(column, rows, mean, std, output, stride);
  }

  /** Row-wise softmax of logits (rows of `stride` floats) into rows × classes floats; `scratch` holds `classes` float64s. */
  softmax(logits: number, stride: number, rows: number, classes: number, output: number, scratch: number): void {
    this.#exports.softmax(logits, stride, rows, classes, output, scratch);
  }

  /** Probabilities (rows × classes floats) into `classes` float64 columns of `rows` at `columns`, and the predicted class (int32) per row. */
  split(probabilities: number, rows: number, classes: number, columns: number, predicted: number): void {
    this.#exports.split(probabilities, rows, classes, columns, predicted);
  }
}
