import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { MlopsError } from '../../errors.js';
import type { AllowList } from './allow-list.js';
import { LIMIT_DESCRIPTIONS, resolveUnpickleLimits, type UnpickleLimits } from './limits.js';
import { HIGHEST_PROTOCOL, OP, opcodeName } from './opcodes.js';
import { PickleGlobal, describePickleValue, isPickleObject, isTuple, type PickleValue } from './values.js';
import { pushAll } from '../../arrays.js';

export interface UnpickleOptions {
  /** The globals the pickle may name; any other name is refused before anything happens. */
  allowList: AllowList;
  /** Names the input in error messages (a file path); "pickle" when omitted. */
  source?: string;
  /** Protocol 5 out-of-band buffers, in the order NEXT_BUFFER asks for them. */
  buffers?: readonly Uint8Array[];
  /** Raises any of the size limits (see UnpickleLimits for the defaults). */
  limits?: Partial<UnpickleLimits>;
  /** Checked every few thousand opcodes; unpickleAsync also yields to the event loop so it can fire. */
  signal?: AbortSignal;
}

/** Python 2 module names that protocols 0–2 may carry, mapped as Python 3's fix_imports does. */
const PY2_MODULES: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg' };

/**
 * Decodes a pickle by interpreting its opcodes over a stack, the way Python's Unpickler does —
 * except that a global is never imported and nothing is ever called. Each global must be on
 * the allow-list, whose entry computes what REDUCE / NEWOBJ / BUILD stand for as plain data.
 * A global that is not listed stops decoding at once with INVALID_ARGUMENT naming it
 * (`posix system`); malformed input is CORRUPT with the byte offset and opcode.
 */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): PickleValue {
  const unpickler = new Unpickler(bytes, options);
  for (;;) {
    const result = unpickler.steps(OPS_PER_CHECK);
    if (result !== undefined) return result.value;
  }
}

/**
 * unpickle, in slices of about SLICE_MS that yield to the event loop between them, so a signal
 * (Ctrl-C, SIGTERM, a timeout) stops even a large pickle promptly with ABORTED.
 */
export async function unpickleAsync(bytes: Uint8Array, options: UnpickleOptions): Promise<PickleValue> {
  const unpickler = new Unpickler(bytes, options);
  let sliceStart = performance.now();
  for (;;) {
    const result = unpickler.steps(OPS_PER_CHECK);
    if (result !== undefined) return result.value;
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldToEventLoop();
      unpickler.checkAborted();
      sliceStart = performance.now();
    }
  }
}

/** Opcodes between two looks at the signal (a few milliseconds of work at most). */
const OPS_PER_CHECK = 16_384;
const SLICE_MS = 10;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

class Unpickler {
  #pos = 0;
  #opStart = 0;
  #op = 0;
  #protocol = 0;
  #stack: PickleValue[] = [];
  readonly #marks: PickleValue[][] = [];
  readonly #memo = new Map<number, PickleValue>();
  #nextBuffer = 0;
  /** Values on the stack, across all open MARKs. */
  #stackItems = 0;
  /** Items placed into containers so far. */
  #elements = 0;
  readonly #source: string;
  readonly #limits: UnpickleLimits;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly options: UnpickleOptions,
  ) {
    this.#source = options.source ?? 'pickle';
    this.#limits = resolveUnpickleLimits(options.limits);
    this.checkAborted();
    if (bytes.length > this.#limits.maxInputBytes) this.overLimit('maxInputBytes', bytes.length);
  }

  /** Runs up to `count` opcodes; returns the result on STOP. */
  steps(count: number): { value: PickleValue } | undefined {
    this.checkAborted();
    for (let i = 0; i < count; i++) {
      if (this.#pos >= this.bytes.length) throw this.corrupt('the pickle ends without a STOP opcode');
      this.#opStart = this.#pos;
      this.#op = this.bytes[this.#pos++]!;
      const result = this.step(this.#op);
      if (result !== undefined) return result;
    }
    return undefined;
  }

  checkAborted(): void {
    const signal = this.options.signal;
    if (signal?.aborted) {
      throw new MlopsError('ABORTED', `${this.#source}: decoding was cancelled at byte ${this.#pos} of ${this.bytes.length}`, {
        cause: signal.reason,
        details: { source: this.#source, offset: this.#pos },
      });
    }
  }

  /** Interprets one opcode; returns the result on STOP. */
  private step(op: number): { value: PickleValue } | undefined {
    switch (op) {
      case OP.PROTO: {
        const protocol = this.u8();
        if (protocol > HIGHEST_PROTOCOL) throw this.corrupt(`pickle protocol ${protocol} is newer than the highest this reader knows (${HIGHEST_PROTOCOL})`);
        this.#protocol = protocol;
        return;
      }
      case OP.FRAME: {
        // A frame only tells the reader how much to buffer; the opcodes inside read as usual.
        const length = this.u64();
        if (length > this.bytes.length - this.#pos) throw this.corrupt(`a frame of ${length} bytes runs past the end: ${this.bytes.length - this.#pos} bytes are left (the pickle is truncated)`);
        return;
      }
      case OP.STOP:
        return { value: this.pop() };
      case OP.MARK:
        if (this.#marks.length >= this.#limits.maxStackDepth) this.overLimit('maxStackDepth', this.#marks.length + 1);
        this.#marks.push(this.#stack);
        this.#stack = [];
        return;
      case OP.POP:
        if (this.#stack.length > 0) this.pop();
        else this.popMark();
        return;
      case OP.POP_MARK:
        this.popMark();
        return;
      case OP.DUP:
        this.push(this.top());
        return;

      case OP.NONE:
        return this.push(null);
      case OP.NEWTRUE:
        return this.push(true);
      case OP.NEWFALSE:
        return this.push(false);
      case OP.BININT:
        return this.push(this.view(4).getInt32(0, true));
      case OP.BININT1:
        return this.push(this.u8());
      case OP.BININT2:
        return this.push(this.view(2).getUint16(0, true));
      case OP.LONG1:
        return this.push(this.long(this.u8()));
      case OP.LONG4: {
        const length = this.view(4).getInt32(0, true);
        if (length < 0) throw this.corrupt(`LONG4 has a negative length ${length}`);
        return this.push(this.long(length));
      }
      case OP.INT: {
        const text = this.line();
        // Protocol 0 spells booleans as I01 / I00.
        if (text === '01') return this.push(true);
        if (text === '00') return this.push(false);
        return this.push(this.parseInt(text));
      }
      case OP.LONG:
        return this.push(this.parseInt(this.line().replace(/L$/, '')));
      case OP.BINFLOAT:
        return this.push(this.view(8).getFloat64(0, false));
      case OP.FLOAT: {
        const text = this.line().trim();
        const special: Record<string, number> = { inf: Infinity, '+inf': Infinity, '-inf': -Infinity, nan: NaN };
        const value = special[text.toLowerCase()] ?? Number(text);
        if (text === '' || (Number.isNaN(value) && text.toLowerCase() !== 'nan')) throw this.corrupt(`FLOAT "${text}" is not a number`);
        return this.push(value);
      }

      case OP.SHORT_BINUNICODE:
        return this.push(this.utf8(this.u8()));
      case OP.BINUNICODE:
        return this.push(this.utf8(this.u32()));
      case OP.BINUNICODE8:
        return this.push(this.utf8(this.u64()));
      case OP.UNICODE:
        return this.push(rawUnicodeEscape(latin1(this.valueLine())));
      case OP.SHORT_BINSTRING:
        return this.push(latin1(this.value(this.u8())));
      case OP.BINSTRING: {
        const length = this.view(4).getInt32(0, true);
        if (length < 0) throw this.corrupt(`BINSTRING has a negative length ${length}`);
        return this.push(latin1(this.value(length)));
      }
      case OP.STRING:
        return this.push(this.pythonStringLiteral(new TextDecoder().decode(this.valueLine())));
      case OP.SHORT_BINBYTES:
        return this.push(this.copy(this.u8()));
      case OP.BINBYTES:
        return this.push(this.copy(this.u32()));
      case OP.BINBYTES8:
      case OP.BYTEARRAY8:
        return this.push(this.copy(this.u64()));
      case OP.NEXT_BUFFER: {
        const buffer = this.options.buffers?.[this.#nextBuffer];
        if (buffer === undefined) {
          throw this.corrupt(`the pickle asks for out-of-band buffer #${this.#nextBuffer + 1}, but ${this.options.buffers?.length ?? 0} were given`);
        }
        this.#nextBuffer++;
        if (buffer.byteLength > this.#limits.maxValueBytes) this.overLimit('maxValueBytes', buffer.byteLength);
        return this.push(Uint8Array.from(buffer));
      }
      case OP.READONLY_BUFFER:
        this.top();
        return;

      case OP.EMPTY_LIST:
        return this.push([]);
      case OP.LIST:
        return this.push(this.counted(this.popMark()));
      case OP.APPEND: {
        const value = this.pop();
        this.list(this.top()).push(this.counted([value])[0]!);
        return;
      }
      case OP.APPENDS: {
        // The items first: the list is what lies under the MARK.
        const items = this.counted(this.popMark());
        pushAll(this.list(this.top()), items);
        return;
      }
      case OP.EMPTY_TUPLE:
        return this.push(Object.freeze([]));
      case OP.TUPLE:
        return this.push(Object.freeze(this.counted(this.popMark())));
      case OP.TUPLE1:
        return this.push(Object.freeze(this.counted(this.popN(1))));
      case OP.TUPLE2:
        return this.push(Object.freeze(this.counted(this.popN(2))));
      case OP.TUPLE3:
        return this.push(Object.freeze(this.counted(this.popN(3))));
      case OP.EMPTY_DICT:
        return this.push(new Map());
      case OP.DICT: {
        const dict = new Map<PickleValue, PickleValue>();
        this.setItems(dict, this.counted(this.popMark()));
        return this.push(dict);
      }
      case OP.SETITEM: {
        const [key, value] = this.counted(this.popN(2)) as [PickleValue, PickleValue];
        this.dict(this.top()).set(key, value);
        return;
      }
      case OP.SETITEMS: {
        const items = this.counted(this.popMark());
        this.setItems(this.dict(this.top()), items);
        return;
      }
      case OP.EMPTY_SET:
        return this.push(new Set());
      case OP.ADDITEMS: {
        const items = this.counted(this.popMark());
        const set = this.top();
        if (!(set instanceof Set)) throw this.corrupt(`ADDITEMS needs a set, found ${describePickleValue(set)}`);
        for (const item of items) set.add(item);
        return;
      }
      case OP.FROZENSET:
        return this.push(new Set(this.counted(this.popMark())));

      case OP.PUT:
        return this.memoPut(this.parseIndex(this.line()));
      case OP.BINPUT:
        return this.memoPut(this.u8());
      case OP.LONG_BINPUT:
        return this.memoPut(this.u32());
      case OP.MEMOIZE:
        return this.memoPut(this.#memo.size);
      case OP.GET:
        return this.memoGet(this.parseIndex(this.line()));
      case OP.BINGET:
        return this.memoGet(this.u8());
      case OP.LONG_BINGET:
        return this.memoGet(this.u32());

      case OP.GLOBAL: {
        const module = this.line();
        const name = this.line();
        return this.push(this.resolveGlobal(module, name));
      }
      case OP.STACK_GLOBAL: {
        const [module, name] = this.popN(2);
        if (typeof module !== 'string' || typeof name !== 'string') {
          throw this.corrupt(`STACK_GLOBAL needs two strings, found ${describePickleValue(module)} and ${describePickleValue(name)}`);
        }
        return this.push(this.resolveGlobal(module, name));
      }
      case OP.REDUCE: {
        const args = this.pop();
        const callable = this.pop();
        if (!isTuple(args)) throw this.corrupt(`REDUCE needs a tuple of arguments, found ${describePickleValue(args)}`);
        const entry = this.entryOf(callable, 'REDUCE');
        if (entry.call === undefined) throw this.refuse(callable as PickleGlobal, 'called (REDUCE)');
        return this.push(entry.call(args, this.where()));
      }
      case OP.NEWOBJ: {
        const args = this.pop();
        const cls = this.pop();
        if (!isTuple(args)) throw this.corrupt(`NEWOBJ needs a tuple of arguments, found ${describePickleValue(args)}`);
        return this.push(this.instantiate(cls, args, 'NEWOBJ'));
      }
      case OP.NEWOBJ_EX: {
        const [cls, args, kwargs] = this.popN(3);
        if (!isTuple(args)) throw this.corrupt(`NEWOBJ_EX needs a tuple of arguments, found ${describePickleValue(args)}`);
        if (!(kwargs instanceof Map) || kwargs.size > 0) {
          throw this.corrupt(`NEWOBJ_EX with keyword arguments is not supported, found ${describePickleValue(kwargs)}`);
        }
        return this.push(this.instantiate(cls, args, 'NEWOBJ_EX'));
      }
      case OP.INST: {
        const module = this.line();
        const name = this.line();
        const cls = this.resolveGlobal(module, name);
        return this.push(this.instantiate(cls, this.popMark(), 'INST'));
      }
      case OP.OBJ: {
        const [cls, ...args] = this.popMark();
        return this.push(this.instantiate(cls, args, 'OBJ'));
      }
      case OP.BUILD: {
        const state = this.pop();
        const target = this.top();
        if (!isPickleObject(target)) throw this.corrupt(`BUILD needs an object made by an allowed class, found ${describePickleValue(target)}`);
        target.setState(state, this.where());
        return;
      }

      case OP.PERSID:
      case OP.BINPERSID:
        throw new MlopsError('INVALID_ARGUMENT', `${this.where()}: the pickle refers to an external object by persistent ID, which this reader does not resolve; nothing was executed`, {
          details: { source: this.#source, offset: this.#opStart },
        });
      case OP.EXT1:
      case OP.EXT2:
      case OP.EXT4: {
        const code = op === OP.EXT1 ? this.u8() : op === OP.EXT2 ? this.view(2).getUint16(0, true) : this.view(4).getInt32(0, true);
        throw new MlopsError('INVALID_ARGUMENT', `${this.where()}: the pickle names a global by extension code ${code} (copyreg registry), which is not on the allow-list; nothing was executed`, {
          details: { source: this.#source, offset: this.#opStart, extension: code },
        });
      }
      default:
        throw this.corrupt(`unknown opcode ${opcodeName(op)}`);
    }
  }

  private resolveGlobal(rawModule: string, name: string): PickleGlobal {
    const module = this.#protocol < 3 ? (PY2_MODULES[rawModule] ?? rawModule) : rawModule;
    const global = new PickleGlobal(module, name);
    if (!this.options.allowList.has(global.qualifiedName)) throw this.refuse(global, 'used');
    return global;
  }

  private entryOf(value: PickleValue, opcode: string) {
    if (!(value instanceof PickleGlobal)) throw this.corrupt(`${opcode} needs a global to apply, found ${describePickleValue(value)}`);
    return this.options.allowList.get(value.qualifiedName)!;
  }

  private instantiate(cls: PickleValue | undefined, args: readonly PickleValue[], opcode: string): PickleValue {
    const entry = this.entryOf(cls ?? null, opcode);
    if (entry.instantiate === undefined) throw this.refuse(cls as PickleGlobal, `instantiated (${opcode})`);
    return entry.instantiate(args, this.where());
  }

  private refuse(global: PickleGlobal, action: string): MlopsError {
    const allowed = [...this.options.allowList.keys()];
    return new MlopsError(
      'INVALID_ARGUMENT',
      `${this.where()}: the pickle wants the global "${global.qualifiedName}" ${action}, which is not on the allow-list; ` +
        `nothing was executed (allowed: ${allowed.join(', ')})`,
      { details: { source: this.#source, offset: this.#opStart, global: global.qualifiedName, allowed } },
    );
  }

  private setItems(dict: Map<PickleValue, PickleValue>, items: PickleValue[]): void {
    if (items.length % 2 !== 0) throw this.corrupt(`SETITEMS needs key/value pairs, found ${items.length} items`);
    for (let i = 0; i < items.length; i += 2) dict.set(items[i]!, items[i + 1]!);
  }

  private list(value: PickleValue): PickleValue[] {
    if (!Array.isArray(value) || Object.isFrozen(value)) throw this.corrupt(`APPEND needs a list, found ${describePickleValue(value)}`);
    return value as PickleValue[];
  }

  private dict(value: PickleValue): Map<PickleValue, PickleValue> {
    if (!(value instanceof Map)) throw this.corrupt(`SETITEM needs a dict, found ${describePickleValue(value)}`);
    return value;
  }

  private memoPut(index: number): undefined {
    if (!this.#memo.has(index) && this.#memo.size >= this.#limits.maxMemoEntries) this.overLimit('maxMemoEntries', this.#memo.size + 1);
    this.#memo.set(index, this.top());
    return undefined;
  }

  private memoGet(index: number): undefined {
    if (!this.#memo.has(index)) throw this.corrupt(`memo entry ${index} is read before it is written`);
    return this.push(this.#memo.get(index)!);
  }

  private push(value: PickleValue): undefined {
    if (this.#stackItems >= this.#limits.maxStackItems) this.overLimit('maxStackItems', this.#stackItems + 1);
    this.#stackItems++;
    this.#stack.push(value);
    return undefined;
  }

  private pop(): PickleValue {
    if (this.#stack.length === 0) throw this.corrupt('the stack is empty');
    this.#stackItems--;
    return this.#stack.pop()!;
  }

  private popN(count: number): PickleValue[] {
    if (this.#stack.length < count) throw this.corrupt(`${count} values are needed, the stack holds ${this.#stack.length}`);
    this.#stackItems -= count;
    return this.#stack.splice(this.#stack.length - count, count);
  }

  /** Counts items about to go into a container against maxElements. */
  private counted(items: PickleValue[]): PickleValue[] {
    this.#elements += items.length;
    if (this.#elements > this.#limits.maxElements) this.overLimit('maxElements', this.#elements);
    return items;
  }

  private top(): PickleValue {
    if (this.#stack.length === 0) throw this.corrupt('the stack is empty');
    return this.#stack[this.#stack.length - 1]!;
  }

  private popMark(): PickleValue[] {
    const items = this.#stack;
    const previous = this.#marks.pop();
    if (previous === undefined) throw this.corrupt('no MARK to pop to');
    this.#stackItems -= items.length;
    this.#stack = previous;
    return items;
  }

  private take(length: number): Uint8Array {
    if (length > this.bytes.length - this.#pos) {
      throw this.corrupt(`${length} bytes are needed, ${this.bytes.length - this.#pos} are left (the pickle is truncated)`);
    }
    const slice = this.bytes.subarray(this.#pos, this.#pos + length);
    this.#pos += length;
    return slice;
  }

  /** The bytes of one str / bytes value, within maxValueBytes. */
  private value(length: number): Uint8Array {
    if (length > this.#limits.maxValueBytes) this.overLimit('maxValueBytes', length);
    return this.take(length);
  }

  private copy(length: number): Uint8Array {
    return Uint8Array.from(this.value(length));
  }

  private view(length: number): DataView {
    const slice = this.take(length);
    return new DataView(slice.buffer, slice.byteOffset, slice.byteLength);
  }

  private u8(): number {
    return this.take(1)[0]!;
  }

  private u32(): number {
    return this.view(4).getUint32(0, true);
  }

  private u64(): number {
    const value = this.view(8).getBigUint64(0, true);
    if (value > MAX_SAFE) throw this.corrupt(`a length of ${value} bytes is beyond any real pickle`);
    return Number(value);
  }

  private utf8(length: number): string {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.value(length));
    } catch (error) {
      if (error instanceof MlopsError) throw error;
      throw this.corrupt('a string is not valid UTF-8');
    }
  }

  /**
   * Little-endian two's complement of `length` bytes, as LONG1 / LONG4 store ints. Built from one
   * hex string (linear time); shifting a bigint byte by byte would be quadratic in the length.
   */
  private long(length: number): number | bigint {
    if (length > this.#limits.maxIntegerBytes) this.overLimit('maxIntegerBytes', length);
    const bytes = this.take(length);
    if (length === 0) return 0;
    let value = BigInt(`0x${Buffer.from(bytes).reverse().toString('hex')}`);
    if (bytes[length - 1]! & 0x80) value -= 1n << BigInt(8 * length);
    return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value;
  }

  /** A newline-terminated text argument, as UTF-8 (what Python 3 assumes for names). */
  private line(): string {
    return new TextDecoder().decode(this.lineBytes());
  }

  /** A newline-terminated str value (protocol 0), within maxValueBytes. */
  private valueLine(): Uint8Array {
    const bytes = this.lineBytes();
    if (bytes.length > this.#limits.maxValueBytes) this.overLimit('maxValueBytes', bytes.length);
    return bytes;
  }

  private lineBytes(): Uint8Array {
    const end = this.bytes.indexOf(0x0a, this.#pos);
    if (end < 0) throw this.corrupt('a text argument has no terminating newline');
    const bytes = this.bytes.subarray(this.#pos, end);
    this.#pos = end + 1;
    return bytes;
  }

  private parseInt(text: string): number | bigint {
    const digits = text.trim();
    // Decimal text → bigint is quadratic in V8, which is why Python caps it too.
    const count = digits.length - (/^[-+]/.test(digits) ? 1 : 0);
    if (count > this.#limits.maxIntegerDigits) this.overLimit('maxIntegerDigits', count);
    if (!/^[-+]?\d+$/.test(digits)) throw this.corrupt(`"${text}" is not an integer`);
    const value = BigInt(digits);
    return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value;
  }

  private parseIndex(text: string): number {
    const value = this.parseInt(text);
    if (typeof value !== 'number' || value < 0) throw this.corrupt(`memo index "${text}" is not a small non-negative integer`);
    return value;
  }

  /** Protocol 0's STRING argument: a quoted Python literal with backslash escapes. */
  private pythonStringLiteral(text: string): string {
    const quote = text[0];
    if ((quote !== "'" && quote !== '"') || text.length < 2 || text[text.length - 1] !== quote) {
      throw this.corrupt(`STRING argument ${JSON.stringify(text)} is not a quoted literal`);
    }
    return text.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_, escape: string) => {
      if (escape[0] === 'x') return String.fromCharCode(parseInt(escape.slice(1), 16));
      if (/^[0-7]/.test(escape)) return String.fromCharCode(parseInt(escape, 8));
      return { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"' }[escape] ?? `\\${escape}`;
    });
  }

  private where(): string {
    return `${this.#source}, byte ${this.#opStart} (${opcodeName(this.#op)})`;
  }

  /** Refuses a pickle that would exceed one of the limits, naming the file, the limit and the option. */
  private overLimit(limit: keyof UnpickleLimits, found: number): never {
    const max = this.#limits[limit];
    throw new MlopsError(
      'INVALID_ARGUMENT',
      `${this.where()}: ${found} ${LIMIT_DESCRIPTIONS[limit]} is over the limit of ${max} (limits.${limit}); decoding stopped, nothing was executed`,
      { details: { source: this.#source, offset: this.#opStart, limit, max, found } },
    );
  }

  private corrupt(message: string): MlopsError {
    return new MlopsError('CORRUPT', `${this.where()}: ${message}`, { details: { source: this.#source, offset: this.#opStart } });
  }
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Protocol 0's UNICODE argument: raw-unicode-escape (only \uXXXX and \UXXXXXXXX are escapes). */
function rawUnicodeEscape(text: string): string {
  return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, short: string | undefined, long: string | undefined) =>
    String.fromCodePoint(parseInt((short ?? long)!, 16)),
  );
}
