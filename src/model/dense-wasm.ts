/**
 * One Dense layer's float32 sums as a tiny WebAssembly module with 128-bit SIMD, written out here
 * opcode by opcode (no toolchain): what Float32Forward runs while TensorFlow.js loads.
 *
 * Why: the same loop in JavaScript rounds every product and sum through Math.fround and ran at
 * ~7 ns per multiply-add even once optimised (65,536 Iris rows through a 16-unit layer: ~50 ms),
 * and the first batch pays for it before its first progress event. WebAssembly's f32x4.mul and
 * f32x4.add round each lane to float32 exactly as `Math.fround(a * b)` and `Math.fround(s + p)` do
 * (the double product of two floats is exact, and a double sum of two floats rounds to the same
 * float), so four units at a time give the same bits as the scalar loop; V8 compiles the module
 * at once with its baseline compiler, so there is no cold phase either. No fused multiply-add is
 * used (that would round once, not twice).
 *
 * The function `dense(in, inStride, inUnits, rows, w, b, groups, out, biasFirst, relu)` (all byte
 * offsets and counts, i32) computes, for every row r and every group g of four units:
 *   acc = biasFirst ? b[g] : 0;  for i < inUnits: acc = acc + splat(in[r·inStride + i]) · w[i·groups + g]
 *   if !biasFirst: acc = acc + b[g];  if relu: acc = (0 < acc ? acc : 0)   (f32x4.pmax(0, acc))
 *   out[r·groups + g] = acc
 * where w and b are padded to whole groups with zeros (see packDenseLayer).
 */

const I32 = 0x7f;
const V128 = 0x7b;

// Control and variable instructions.
const BLOCK = 0x02;
const LOOP = 0x03;
const IF = 0x04;
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const EMPTY = 0x40;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_CONST = 0x41;
const I32_EQZ = 0x45;
const I32_GE_U = 0x4f;
const I32_ADD = 0x6a;
const I32_SHL = 0x74;
// SIMD instructions: the 0xfd prefix, then the opcode as unsigned LEB128.
const SIMD = 0xfd;
const V128_LOAD = [SIMD, 0x00];
const V128_LOAD32_SPLAT = [SIMD, 0x09];
const V128_STORE = [SIMD, 0x0b];
const V128_CONST = [SIMD, 0x0c];
const F32X4_ADD = [SIMD, 0xe4, 0x01];
const F32X4_MUL = [SIMD, 0xe6, 0x01];
const F32X4_PMAX = [SIMD, 0xeb, 0x01];
/** memarg: alignment hint 2^2 (4 bytes: the offsets are float-aligned), offset 0. */
const MEMARG = [0x02, 0x00];

// Parameters, then locals, by index.
const IN = 0;
const IN_STRIDE = 1;
const IN_UNITS = 2;
const ROWS = 3;
const W = 4;
const B = 5;
const GROUPS = 6;
const OUT = 7;
const BIAS_FIRST = 8;
const RELU = 9;
const R = 10;
const G = 11;
const I = 12;
const X = 13;
const WP = 14;
const BP = 15;
const ACC = 16;

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

const get = (index: number): number[] => [LOCAL_GET, index];
const set = (index: number): number[] => [LOCAL_SET, index];
/** local[index] += local[by] << shift */
const advance = (index: number, by: number, shift: number): number[] => [...get(index), ...get(by), I32_CONST, shift, I32_SHL, I32_ADD, ...set(index)];
const addConstant = (index: number, constant: number): number[] => [...get(index), I32_CONST, constant, I32_ADD, ...set(index)];
const zeroVector = (): number[] => [...V128_CONST, ...new Array<number>(16).fill(0)];

function denseBody(): number[] {
  return [
    // for (r = 0; r < rows; r++, in += inStride * 4)
    BLOCK, EMPTY,
    LOOP, EMPTY,
    ...get(R), ...get(ROWS), I32_GE_U, BR_IF, 1,
    I32_CONST, 0, ...set(G),
    // for (g = 0; g < groups; g++, out += 16)
    BLOCK, EMPTY,
    LOOP, EMPTY,
    ...get(G), ...get(GROUPS), I32_GE_U, BR_IF, 1,
    // bp = b + g * 16; acc = biasFirst ? b[g] : 0
    ...get(B), ...get(G), I32_CONST, 4, I32_SHL, I32_ADD, ...set(BP),
    ...zeroVector(), ...set(ACC),
    ...get(BIAS_FIRST), IF, EMPTY, ...get(BP), ...V128_LOAD, ...MEMARG, ...set(ACC), END,
    // wp = w + g * 16; x = in
    ...get(W), ...get(G), I32_CONST, 4, I32_SHL, I32_ADD, ...set(WP),
    ...get(IN), ...set(X),
    I32_CONST, 0, ...set(I),
    // for (i = 0; i < inUnits; i++, x += 4, wp += groups * 16): acc = acc + splat(*x) * *wp
    BLOCK, EMPTY,
    LOOP, EMPTY,
    ...get(I), ...get(IN_UNITS), I32_GE_U, BR_IF, 1,
    ...get(ACC),
    ...get(X), ...V128_LOAD32_SPLAT, ...MEMARG,
    ...get(WP), ...V128_LOAD, ...MEMARG,
    ...F32X4_MUL,
    ...F32X4_ADD,
    ...set(ACC),
    ...addConstant(X, 4),
    ...advance(WP, GROUPS, 4),
    ...addConstant(I, 1),
    BR, 0,
    END,
    END,
    // if (!biasFirst) acc = acc + b[g]
    ...get(BIAS_FIRST), I32_EQZ, IF, EMPTY, ...get(ACC), ...get(BP), ...V128_LOAD, ...MEMARG, ...F32X4_ADD, ...set(ACC), END,
    // if (relu) acc = pmax(0, acc), i.e. 0 < acc ? acc : 0 — as `sum > 0 ? sum : 0` (NaN → 0)
    ...get(RELU), IF, EMPTY, ...zeroVector(), ...get(ACC), ...F32X4_PMAX, ...set(ACC), END,
    ...get(OUT), ...get(ACC), ...V128_STORE, ...MEMARG,
    ...addConstant(OUT, 16),
    ...addConstant(G, 1),
    BR, 0,
    END,
    END,
    ...advance(IN, IN_STRIDE, 2),
    ...addConstant(R, 1),
    BR, 0,
    END,
    END,
  ];
}

function section(id: number, content: number[]): number[] {
  return [id, ...unsignedLeb(content.length), ...content];
}

function name(text: string): number[] {
  return [...unsignedLeb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];
}

/** The module's bytes: one function (`dense`) and one memory (`memory`, grown by the caller). */
export function denseWasmBytes(): Uint8Array {
  // Locals: six i32 (r, g, i, x, wp, bp) and one v128 (acc).
  const body = [2, 6, I32, 1, V128, ...denseBody(), END];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 10, ...new Array<number>(10).fill(I32), 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [2, ...name('memory'), 0x02, 0, ...name('dense'), 0x00, 0]),
    ...section(10, [1, ...unsignedLeb(body.length), ...body]),
  ]);
}

/** The global WebAssembly API, as far as this module uses it (the project's lib has no WebAssembly types). */
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: { memory: WasmMemory; dense: DenseFunction } };
}
type DenseFunction = (input: number, inStride: number, inUnits: number, rows: number, weights: number, bias: number, groups: number, output: number, biasFirst: number, relu: number) => void;
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

/** The compiled module, or null where this runtime cannot compile it (no WebAssembly SIMD). */
function compiledModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = new wasmApi.Module(denseWasmBytes());
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Whether the kernel runs here (WebAssembly with SIMD: every Node 20 build on x64 and arm64). */
export function denseWasmAvailable(): boolean {
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

/** One instance of the kernel with its own memory, which grows to the largest call. */
export class DenseWasm {
  readonly #memory: WasmMemory;
  readonly #dense: DenseFunction;

  constructor() {
    const module = compiledModule();
    if (module === null) throw new Error('WebAssembly SIMD is not available');
    const { exports } = new wasmApi.Instance(module);
    this.#memory = exports.memory;
    this.#dense = exports.dense;
  }

  /** At least `bytes` bytes of memory; views taken before a call to this may be stale after it. */
  reserve(bytes: number): void {
    const missing = bytes - this.#memory.buffer.byteLength;
    if (missing > 0) this.#memory.grow(Math.ceil(missing / 65_536));
  }

  /** A float32 view of the memory at a byte offset (a multiple of 16 for `dense`'s arrays). */
  floats(byteOffset: number, length: number): Float32Array {
    return new Float32Array(this.#memory.buffer, byteOffset, length);
  }

  /** See the module's comment; offsets in bytes, strides and counts in floats (inStride) or units. */
  dense(input: number, inStride: number, inUnits: number, rows: number, weights: number, bias: number, groups: number, output: number, biasFirst: boolean, relu: boolean): void {
    this.#dense(input, inStride, inUnits, rows, weights, bias, groups, output, biasFirst ? 1 : 0, relu ? 1 : 0);
  }
}
