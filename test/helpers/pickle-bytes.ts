/**
 * Builds pickle bytes opcode by opcode, for tests that need pickles no fixture has
 * (hostile ones, big-endian or Fortran-order arrays, out-of-band buffers).
 */
export class PickleBytes {
  readonly #parts: number[] = [];

  op(code: number | string): this {
    this.#parts.push(typeof code === 'string' ? code.charCodeAt(0) : code);
    return this;
  }

  raw(bytes: ArrayLike<number>): this {
    for (let i = 0; i < bytes.length; i++) this.#parts.push(bytes[i]!);
    return this;
  }

  proto(protocol: number): this {
    return this.op(0x80).raw([protocol]);
  }

  /** GLOBAL (text form, protocols 0–3). */
  global(module: string, name: string): this {
    return this.op('c').raw(new TextEncoder().encode(`${module}\n${name}\n`));
  }

  /** SHORT_BINUNICODE × 2 + STACK_GLOBAL (protocol 4+). */
  stackGlobal(module: string, name: string): this {
    return this.str(module).str(name).op(0x93);
  }

  str(text: string): this {
    const bytes = new TextEncoder().encode(text);
    return bytes.length < 256 ? this.op(0x8c).raw([bytes.length]).raw(bytes) : this.op('X').u32(bytes.length).raw(bytes);
  }

  bytes(data: Uint8Array): this {
    return this.op('B').u32(data.length).raw(data);
  }

  int(value: number): this {
    if (value >= 0 && value < 256) return this.op('K').raw([value]);
    const view = new DataView(new ArrayBuffer(4));
    view.setInt32(0, value, true);
    return this.op('J').raw(new Uint8Array(view.buffer));
  }

  u32(value: number): this {
    const view = new DataView(new ArrayBuffer(4));
    view.setUint32(0, value, true);
    return this.raw(new Uint8Array(view.buffer));
  }

  u64(value: number): this {
    const view = new DataView(new ArrayBuffer(8));
    view.setBigUint64(0, BigInt(value), true);
    return this.raw(new Uint8Array(view.buffer));
  }

  mark(): this {
    return this.op('(');
  }

  tuple(): this {
    return this.op('t');
  }

  none(): this {
    return this.op('N');
  }

  bool(value: boolean): this {
    return this.op(value ? 0x88 : 0x89);
  }

  reduce(): this {
    return this.op('R');
  }

  build(): this {
    return this.op('b');
  }

  stop(): this {
    return this.op('.');
  }

  /** numpy.dtype(typestr, False, True) with BUILD state for the given byte order. */
  dtype(typestr: string, order = '<', elsize = -1): this {
    return this.stackGlobal('numpy', 'dtype').str(typestr).bool(false).bool(true).op(0x87).reduce()
      .mark().int(3).str(order).none().none().none().int(elsize).int(-1).int(0).tuple().build();
  }

  toBytes(): Uint8Array {
    return Uint8Array.from(this.#parts);
  }
}

export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16));
}
