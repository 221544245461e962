import type { DataId, KernelBackend } from '@tensorflow/tfjs-core';
import { MlopsError } from '../errors.js';
import { splitWeights, type DenseShape, type DenseTraining, type DenseTrainerInit, type PreparedRows } from './dense-trainer.js';
import type { HiddenActivation } from './network.js';
import type { Tf } from './tf.js';

/**
 * The emscripten module of @tensorflow/tfjs-backend-wasm (4.22.0, pinned) as far as we call it:
 * its allocator, its tensor registry and the C entry points of the kernels the training step
 * uses. The signatures are those of the package's src/cc kernels (ids and shape pointers in,
 * results written to a registered output id), the same calls its own JavaScript kernels make
 * through `cwrap`.
 */
interface WasmModule {
  HEAPF32: Float32Array;
  HEAP32: Int32Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  _register_tensor(id: number, size: number, pointer: number): void;
  _dispose_data(id: number): void;
  __FusedMatMul(
    aId: number, aShape: number, aRank: number, bId: number, bShape: number, bRank: number,
    transposeA: number, transposeB: number, activation: number, biasId: number, preluId: number, leakyreluAlpha: number, outId: number,
  ): void;
  _BatchMatMul(aId: number, aShape: number, aRank: number, bId: number, bShape: number, bRank: number, transposeA: number, transposeB: number, outId: number): void;
  _Softmax(xId: number, outId: number, channels: number, batch: number): void;
  _Add: BinaryEntry;
  _Sub: BinaryEntry;
  _Multiply: BinaryEntry;
  _RealDiv: BinaryEntry;
  _Square: UnaryEntry;
  _Sqrt: UnaryEntry;
  _Tanh: UnaryEntry;
  _Step(xId: number, alpha: number, dtype: number, outId: number): void;
}
type BinaryEntry = (aId: number, aShape: number, aRank: number, bId: number, bShape: number, bRank: number, dtype: number, outId: number) => void;
type UnaryEntry = (xId: number, dtype: number, outId: number) => void;

interface WasmBackend extends KernelBackend {
  wasm: WasmModule;
  dataIdMap: { get(dataId: DataId): { id: number; memoryOffset: number } | undefined };
}

const FLOAT32 = 0; // CppDType.float32
const ACTIVATION = { linear: 0, relu: 1, sigmoid: 5 } as const; // FusableActivation
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;

/** One float32 tensor registered with the wasm backend, with its shape stored in wasm memory for the kernels. */
class WasmTensor {
  readonly dataId: DataId;
  readonly id: number;
  /** Index of the first value in HEAPF32. */
  readonly start: number;
  readonly size: number;
  readonly shape: readonly number[];
  readonly shapePointer: number;

  constructor(readonly owner: WasmTensors, shape: readonly number[], values?: Float32Array) {
    const size = shape.reduce((product, extent) => product * extent, 1);
    this.dataId = owner.backend.write(values ?? new Float32Array(size), [...shape], 'float32');
    const data = owner.backend.dataIdMap.get(this.dataId);
    if (data === undefined) throw new MlopsError('INTERNAL', 'The TensorFlow.js wasm backend did not register a tensor it wrote');
    this.id = data.id;
    this.start = data.memoryOffset >>> 2;
    this.size = size;
    this.shape = shape;
    this.shapePointer = owner.wasm._malloc(Math.max(1, shape.length) * 4);
    owner.wasm.HEAP32.set(shape, this.shapePointer >>> 2);
  }

  get rank(): number {
    return this.shape.length;
  }

  values(): Float32Array {
    return this.owner.wasm.HEAPF32.subarray(this.start, this.start + this.size);
  }

  set(values: ArrayLike<number>): void {
    this.owner.wasm.HEAPF32.set(values, this.start);
  }

  /**
   * Drops what the kernels cached for this id. The matMul kernel packs its weights (and bias)
   * into an XNNPACK operator cached by their tensor ids; a tensor whose values change in place
   * must drop that operator, or the next matMul would run on the old values. Re-registering
   * the id runs the kernel's disposal callback, as freeing a tfjs tensor does.
   */
  changed(): void {
    const wasm = this.owner.wasm;
    wasm._dispose_data(this.id);
    wasm._register_tensor(this.id, this.size, this.start << 2);
  }

  free(): void {
    this.owner.wasm._free(this.shapePointer);
    this.owner.backend.disposeData(this.dataId, true);
  }
}

/** Allocates WasmTensors and frees them together. */
class WasmTensors {
  readonly #all: WasmTensor[] = [];
  constructor(
    readonly backend: WasmBackend,
    readonly wasm: WasmModule,
  ) {}

  make(shape: readonly number[], values?: Float32Array): WasmTensor {
    const tensor = new WasmTensor(this, shape, values);
    this.#all.push(tensor);
    return tensor;
  }

  scalar(value: number): WasmTensor {
    return this.make([], Float32Array.of(value));
  }

  /** Frees one tensor before the others (rows prepared and released). */
  free(tensor: WasmTensor): void {
    const index = this.#all.indexOf(tensor);
    if (index < 0) return;
    this.#all.splice(index, 1);
    tensor.free();
  }

  freeAll(): void {
    for (const tensor of this.#all.splice(0)) tensor.free();
  }
}

/** A layer's trainable tensor with its Adam state and the buffers of its update. */
interface AdamSlot {
  weights: WasmTensor;
  /** The next weights are written here, then the two swap. */
  spare: WasmTensor;
  m: WasmTensor;
  mSpare: WasmTensor;
  v: WasmTensor;
  vSpare: WasmTensor;
  gradient: WasmTensor;
  /** Intermediate results, in the order #adam uses them. */
  scratch: WasmTensor[];
  /** Used as the weights of an XNNPACK matMul: changed() after every update. */
  packed: boolean;
}

/** Per batch size: every tensor one step or prediction on that many rows needs. */
interface RowsWorkspace {
  rows: number;
  input: WasmTensor;
  targets: WasmTensor;
  /** The layers' outputs before the activation that is not fused (tanh; softmax for the last). */
  linear: WasmTensor[];
  /** Each layer's input (the first is `input`), then the probabilities. */
  activations: WasmTensor[];
  error: WasmTensor;
  delta: WasmTensor[];
  back: WasmTensor[];
  derivative: WasmTensor[];
  derivativeScratch: WasmTensor[];
  ones: WasmTensor;
  inverse: WasmTensor;
}

class WasmPreparedRows implements PreparedRows {
  constructor(
    readonly rows: number,
    readonly input: WasmTensor,
  ) {}
}

/**
 * DenseTrainer's gradient steps (the same kernels, in the same order, on the same shapes, so
 * bit-identical weights) for tfjs's wasm backend, calling its C kernels directly.
 *
 * Through tfjs's kernel functions each of a step's ~27 kernel calls allocates its output,
 * converts shapes to bytes, copies them to the wasm stack (`ccall`) and looks tensors up in two
 * maps; for Iris's 4·16·3 network that glue is almost all of a step's time, and in a fresh
 * process it also runs cold. Here every tensor a step needs is allocated once per batch size
 * (with its shape already in wasm memory), a step writes the batch into wasm memory and makes
 * the kernel calls, and nothing is allocated or freed until `dispose`. Adam runs per weight
 * tensor instead of on one flat vector: element by element the same arithmetic.
 *
 * Only for the wasm backend of the pinned @tensorflow/tfjs-backend-wasm (see WasmModule);
 * `createDenseTrainer` picks DenseTrainer for any other backend.
 */
export class WasmDenseTrainer implements DenseTraining {
  readonly #tensors: WasmTensors;
  readonly #wasm: WasmModule;
  readonly #shapes: DenseShape[];
  readonly #activation: HiddenActivation;
  readonly #learningRate: number;
  /** Per layer: the kernel (layer 0's with the bias as its last row), then the bias for layers > 0. */
  readonly #kernels: AdamSlot[];
  readonly #biases: (AdamSlot | undefined)[];
  readonly #constants: { beta1: WasmTensor; oneMinusBeta1: WasmTensor; beta2: WasmTensor; oneMinusBeta2: WasmTensor; epsilon: WasmTensor; one: WasmTensor; correction2: WasmTensor; stepSize: WasmTensor };
  readonly #workspaces = new Map<number, RowsWorkspace>();
  readonly #prepared = new Set<WasmPreparedRows>();
  #step = 0;
  #disposed = false;

  static supports(tf: Tf): boolean {
    if (tf.getBackend() !== 'wasm') return false;
    const backend = tf.backend() as Partial<WasmBackend>;
    const wasm = backend.wasm as Partial<WasmModule> | undefined;
    return (
      wasm !== undefined &&
      typeof backend.dataIdMap?.get === 'function' &&
      (['_malloc', '_free', '_register_tensor', '_dispose_data', '__FusedMatMul', '_BatchMatMul', '_Softmax', '_Add', '_Sub', '_Multiply', '_RealDiv', '_Square', '_Sqrt', '_Tanh', '_Step'] as const).every(
        (name) => typeof wasm[name] === 'function',
      )
    );
  }

  constructor(tf: Tf, init: DenseTrainerInit) {
    if (!WasmDenseTrainer.supports(tf)) {
      throw new MlopsError('INTERNAL', `WasmDenseTrainer needs TensorFlow.js's wasm backend (4.22.0); the backend in use is "${tf.getBackend()}"`);
    }
    const backend = tf.backend() as WasmBackend;
    this.#wasm = backend.wasm;
    this.#tensors = new WasmTensors(backend, backend.wasm);
    this.#shapes = init.layers.map((layer) => layer.shape);
    this.#activation = init.activation;
    this.#learningRate = init.learningRate;
    const make = this.#tensors.make.bind(this.#tensors);
    this.#constants = {
      beta1: this.#tensors.scalar(BETA1),
      oneMinusBeta1: this.#tensors.scalar(1 - BETA1),
      beta2: this.#tensors.scalar(BETA2),
      oneMinusBeta2: this.#tensors.scalar(1 - BETA2),
      epsilon: this.#tensors.scalar(EPSILON),
      one: this.#tensors.scalar(1),
      correction2: this.#tensors.scalar(0),
      stepSize: this.#tensors.scalar(0),
    };
    const slot = (shape: number[], values: Float32Array, packed: boolean): AdamSlot => {
      const size = values.length;
      return {
        weights: make(shape, values),
        spare: make(shape),
        m: make([size]),
        mSpare: make([size]),
        v: make([size]),
        vSpare: make([size]),
        gradient: make(shape),
        scratch: Array.from({ length: 9 }, () => make([size])),
        packed,
      };
    };
    this.#kernels = init.layers.map((layer, index) => {
      const { inputUnits, units } = layer.shape;
      if (index > 0) return slot([1, inputUnits, units], layer.kernel, true);
      const withBias = new Float32Array((inputUnits + 1) * units);
      withBias.set(layer.kernel);
      withBias.set(layer.bias, inputUnits * units);
      return slot([1, inputUnits + 1, units], withBias, true);
    });
    // The bias is packed with the kernel into the matMul's cached operator too.
    this.#biases = init.layers.map((layer, index) => (index === 0 ? undefined : slot([layer.shape.units], layer.bias, true)));
  }

  get size(): number {
    return this.#shapes.reduce((total, shape) => total + (shape.inputUnits + 1) * shape.units, 0);
  }

  step(features: Float32Array, labels: Int32Array, rows: number): Float32Array {
    this.#checkLive();
    this.#step += 1;
    const w = this.#workspace(rows);
    const wasm = this.#wasm;
    const classes = this.#shapes[this.#shapes.length - 1]!.units;
    writeWithOnesColumn(w.input, features, rows, this.#shapes[0]!.inputUnits);
    const targets = w.targets.values();
    targets.fill(0);
    for (let row = 0; row < rows; row++) targets[row * classes + labels[row]!] = 1;
    this.#forward(w, w.input);
    const p = w.activations[w.activations.length - 1]!;
    const probabilities = p.values().slice();
    // d(mean cross-entropy)/d(logits) = (p − y) / rows; then back through each layer.
    binary(wasm._Sub, p, w.targets, w.error);
    binary(wasm._Multiply, w.error, w.inverse, w.delta[this.#shapes.length - 1]!);
    for (let l = this.#shapes.length - 1; l >= 0; l--) {
      const layerInput = w.activations[l]!;
      const delta = w.delta[l]!;
      // Used below as the weights of an XNNPACK matMul (the bias gradient): its values are new.
      delta.changed();
      const kernel = this.#kernels[l]!;
      matMul(wasm, layerInput, delta, true, false, kernel.gradient);
      if (l > 0) {
        matMul(wasm, w.ones, delta, false, false, this.#biases[l]!.gradient);
        matMul(wasm, delta, kernel.weights, false, true, w.back[l]!);
        const derivative = this.#activationGradient(w, l, layerInput);
        binary(wasm._Multiply, w.back[l]!, derivative, w.delta[l - 1]!);
      }
    }
    const c = this.#constants;
    c.correction2.set([1 - BETA2 ** this.#step]);
    c.stepSize.set([-this.#learningRate / (1 - BETA1 ** this.#step)]);
    // DenseTrainer updates one flat vector: per layer the kernel, then the bias.
    for (let l = 0; l < this.#shapes.length; l++) {
      this.#adam(this.#kernels[l]!);
      const bias = this.#biases[l];
      if (bias !== undefined) this.#adam(bias);
    }
    return probabilities;
  }

  prepare(features: Float32Array, rows: number): PreparedRows {
    this.#checkLive();
    const inputs = this.#shapes[0]!.inputUnits;
    const input = this.#tensors.make([1, rows, inputs + 1]);
    writeWithOnesColumn(input, features, rows, inputs);
    const prepared = new WasmPreparedRows(rows, input);
    this.#prepared.add(prepared);
    return prepared;
  }

  release(prepared: PreparedRows): void {
    if (!(prepared instanceof WasmPreparedRows) || !this.#prepared.delete(prepared)) return;
    this.#tensors.free(prepared.input);
  }

  predict(prepared: PreparedRows): Float32Array {
    this.#checkLive();
    if (!(prepared instanceof WasmPreparedRows) || !this.#prepared.has(prepared)) {
      throw new MlopsError('INTERNAL', 'predict() was given rows this trainer did not prepare (or already released)');
    }
    const w = this.#workspace(prepared.rows);
    this.#forward(w, prepared.input);
    return w.activations[w.activations.length - 1]!.values().slice();
  }

  snapshot(): Float32Array {
    this.#checkLive();
    const flat = new Float32Array(this.size);
    let offset = 0;
    for (let l = 0; l < this.#shapes.length; l++) {
      for (const slot of [this.#kernels[l], this.#biases[l]]) {
        if (slot === undefined) continue;
        flat.set(slot.weights.values(), offset);
        offset += slot.weights.size;
      }
    }
    return flat;
  }

  restore(snapshot: Float32Array): void {
    this.#checkLive();
    if (snapshot.length !== this.size) {
      throw new MlopsError('INTERNAL', `restore() needs ${this.size} weights, got ${snapshot.length}`);
    }
    let offset = 0;
    for (let l = 0; l < this.#shapes.length; l++) {
      for (const slot of [this.#kernels[l], this.#biases[l]]) {
        if (slot === undefined) continue;
        slot.weights.set(snapshot.subarray(offset, offset + slot.weights.size));
        slot.weights.changed();
        offset += slot.weights.size;
      }
    }
  }

  weights(): { kernel: Float32Array; bias: Float32Array }[] {
    return splitWeights(this.snapshot(), this.#shapes);
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#prepared.clear();
    this.#workspaces.clear();
    this.#tensors.freeAll();
  }

  #checkLive(): void {
    if (this.#disposed) throw new MlopsError('INTERNAL', 'The trainer was disposed');
  }

  #workspace(rows: number): RowsWorkspace {
    let workspace = this.#workspaces.get(rows);
    if (workspace !== undefined) return workspace;
    const make = this.#tensors.make.bind(this.#tensors);
    const shapes = this.#shapes;
    const last = shapes.length - 1;
    const classes = shapes[last]!.units;
    const input = make([1, rows, shapes[0]!.inputUnits + 1]);
    const linear = shapes.map((shape) => make([1, rows, shape.units]));
    // With a fused activation (relu, sigmoid) the matMul's output is the layer's output.
    const outputs = shapes.map((shape, index) => (index === last || this.#activation === 'tanh' ? make([1, rows, shape.units]) : linear[index]!));
    // Index l holds layer l's input-sized tensors of the backward pass (layer 0's go unused).
    const perInput = () => shapes.map((shape) => make([1, rows, shape.inputUnits]));
    workspace = {
      rows,
      input,
      targets: make([1, rows, classes]),
      linear,
      activations: [input, ...outputs],
      error: make([1, rows, classes]),
      delta: shapes.map((shape) => make([1, rows, shape.units])),
      back: perInput(),
      derivative: perInput(),
      derivativeScratch: perInput(),
      ones: make([1, 1, rows], new Float32Array(rows).fill(1)),
      inverse: this.#tensors.scalar(1 / rows),
    };
    this.#workspaces.set(rows, workspace);
    return workspace;
  }

  #forward(w: RowsWorkspace, input: WasmTensor): void {
    const wasm = this.#wasm;
    const last = this.#shapes.length - 1;
    let current = input;
    for (let index = 0; index <= last; index++) {
      // tanh has no fused kernel; relu and sigmoid do.
      const fused = index === last || this.#activation === 'tanh' ? ACTIVATION.linear : ACTIVATION[this.#activation];
      const kernel = this.#kernels[index]!.weights;
      const bias = this.#biases[index]?.weights;
      const linear = w.linear[index]!;
      wasm.__FusedMatMul(current.id, current.shapePointer, current.rank, kernel.id, kernel.shapePointer, kernel.rank, 0, 0, fused, bias?.id ?? 0, 0, 0, linear.id);
      const output = w.activations[index + 1]!;
      const shape = this.#shapes[index]!;
      if (index === last) wasm._Softmax(linear.id, output.id, shape.units, w.rows);
      else if (this.#activation === 'tanh') wasm._Tanh(linear.id, FLOAT32, output.id);
      current = output;
    }
  }

  /** d(activation)/d(pre-activation) of layer l − 1's output (layer l's input), into w.derivative[l]. */
  #activationGradient(w: RowsWorkspace, l: number, output: WasmTensor): WasmTensor {
    const wasm = this.#wasm;
    const derivative = w.derivative[l]!;
    const scratch = w.derivativeScratch[l]!;
    const one = this.#constants.one;
    switch (this.#activation) {
      case 'relu':
        wasm._Step(output.id, 0, FLOAT32, derivative.id);
        break;
      case 'tanh':
        wasm._Square(output.id, FLOAT32, scratch.id);
        binary(wasm._Sub, one, scratch, derivative);
        break;
      case 'sigmoid':
        binary(wasm._Sub, one, output, scratch);
        binary(wasm._Multiply, output, scratch, derivative);
        break;
    }
    return derivative;
  }

  /** tfjs's Adam on one weight tensor, as DenseTrainer#adam: w += m · (−lr / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε). */
  #adam(slot: AdamSlot): void {
    const wasm = this.#wasm;
    const c = this.#constants;
    const [mOld, mNew, vOld, vNew, square, v2, ratio, root, denominator] = slot.scratch as [WasmTensor, WasmTensor, WasmTensor, WasmTensor, WasmTensor, WasmTensor, WasmTensor, WasmTensor, WasmTensor];
    const gradient = flatView(slot.gradient, mOld);
    binary(wasm._Multiply, slot.m, c.beta1, mOld);
    binary(wasm._Multiply, gradient, c.oneMinusBeta1, mNew);
    binary(wasm._Add, mOld, mNew, slot.mSpare);
    binary(wasm._Multiply, slot.v, c.beta2, vOld);
    wasm._Square(gradient.id, FLOAT32, square.id);
    binary(wasm._Multiply, square, c.oneMinusBeta2, vNew);
    binary(wasm._Add, vOld, vNew, slot.vSpare);
    binary(wasm._RealDiv, slot.vSpare, c.correction2, v2);
    wasm._Sqrt(v2.id, FLOAT32, root.id);
    binary(wasm._Add, root, c.epsilon, denominator);
    binary(wasm._RealDiv, slot.mSpare, denominator, ratio);
    binary(wasm._Multiply, ratio, c.stepSize, mOld);
    binary(wasm._Add, flatView(slot.weights, mOld), mOld, slot.spare);
    [slot.weights, slot.spare] = [slot.spare, slot.weights];
    [slot.m, slot.mSpare] = [slot.mSpare, slot.m];
    [slot.v, slot.vSpare] = [slot.vSpare, slot.v];
    if (slot.packed) slot.weights.changed();
  }
}

/**
 * A tensor with the flat shape of the Adam buffers (`like`), as DenseTrainer's flat vector: an
 * elementwise kernel broadcasts by the shapes it is given, and [1, 5, 3] with [15] would not
 * line up. The values are the same, row-major.
 */
function flatView(tensor: WasmTensor, like: WasmTensor): Operand {
  return { id: tensor.id, shapePointer: like.shapePointer, rank: like.rank };
}

type Operand = { id: number; shapePointer: number; rank: number };

function binary(entry: BinaryEntry, a: Operand, b: Operand, out: WasmTensor): void {
  entry(a.id, a.shapePointer, a.rank, b.id, b.shapePointer, b.rank, FLOAT32, out.id);
}

function matMul(wasm: WasmModule, a: WasmTensor, b: WasmTensor, transposeA: boolean, transposeB: boolean, out: WasmTensor): void {
  wasm._BatchMatMul(a.id, a.shapePointer, a.rank, b.id, b.shapePointer, b.rank, transposeA ? 1 : 0, transposeB ? 1 : 0, out.id);
}

/** Row-major rows × inputs → the tensor's rows × (inputs + 1), the last column all ones. */
function writeWithOnesColumn(tensor: WasmTensor, features: Float32Array, rows: number, inputs: number): void {
  const out = tensor.values();
  for (let row = 0; row < rows; row++) {
    const from = row * inputs;
    const to = row * (inputs + 1);
    for (let column = 0; column < inputs; column++) out[to + column] = features[from + column]!;
    out[to + inputs] = 1;
  }
}
