import { describe, expect, it } from 'vitest';
import { attributeClasses, combineAllowLists } from '../../../src/model/pickle/allow-list.js';
import { PYTHON_BUILTINS_ALLOW_LIST } from '../../../src/model/pickle/builtins.js';
import { NdArray, NumpyDtype, NUMPY_ALLOW_LIST } from '../../../src/model/pickle/numpy.js';
import { unpickle } from '../../../src/model/pickle/unpickle.js';
import { PickleBytes } from '../../helpers/pickle-bytes.js';

const allowList = combineAllowLists(PYTHON_BUILTINS_ALLOW_LIST, NUMPY_ALLOW_LIST, attributeClasses([]));

describe('NumpyDtype', () => {
  it('parses type strings with their byte order and item size', () => {
    expect(new NumpyDtype('f8', 'x')).toMatchObject({ kind: 'f', itemSize: 8, littleEndian: true, str: '<f8' });
    expect(new NumpyDtype('>i4', 'x')).toMatchObject({ kind: 'i', itemSize: 4, littleEndian: false, str: '>i4' });
    expect(new NumpyDtype('U10', 'x')).toMatchObject({ kind: 'U', itemSize: 40, str: '<U10' });
    expect(new NumpyDtype('b1', 'x').str).toBe('|b1');
    expect(new NumpyDtype('O8', 'x').str).toBe('|O8');
  });

  it('refuses dtypes it cannot decode, naming them', () => {
    expect(() => new NumpyDtype('M8', 'here')).toThrow('here: numpy dtype "M8" is not supported');
    expect(() => new NumpyDtype('c16', 'here')).toThrow(/"c16" is not supported/);
    expect(() => new NumpyDtype('f3', 'here')).toThrow(/item size/);
  });
});

describe('numpy arrays in pickles', () => {
  it('decodes a big-endian, Fortran-order array from _reconstruct + BUILD into C order', () => {
    // [[1, 2, 3], [4, 5, 6]] stored column by column, big-endian float64.
    const data = new DataView(new ArrayBuffer(48));
    [1, 4, 2, 5, 3, 6].forEach((x, i) => data.setFloat64(i * 8, x, false));
    const bytes = new PickleBytes()
      .proto(2)
      .global('numpy.core.multiarray', '_reconstruct').global('numpy', 'ndarray').int(0).op(0x85).bytes(Uint8Array.of(98)).op(0x87).reduce()
      .mark().int(1).int(2).int(3).op(0x86).dtype('f8', '>').bool(true).bytes(new Uint8Array(data.buffer)).tuple().build()
      .stop().toBytes();
    const array = unpickle(bytes, { allowList }) as NdArray;
    expect(array).toBeInstanceOf(NdArray);
    expect(array.shape).toEqual([2, 3]);
    expect(Array.from(array.data as ArrayLike<number>)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('decodes protocol 2 data bytes written as _codecs.encode(text, "latin1")', () => {
    const raw = new Uint8Array(new Int32Array([7, -1]).buffer);
    const latin1 = String.fromCharCode(...raw);
    const bytes = new PickleBytes()
      .proto(2)
      .global('numpy.core.multiarray', '_reconstruct').global('numpy', 'ndarray').int(0).op(0x85).bytes(Uint8Array.of(98)).op(0x87).reduce()
      .mark().int(1).int(2).op(0x85).dtype('i4').bool(false)
      .global('_codecs', 'encode').str(latin1).str('latin1').op(0x86).reduce()
      .tuple().build().stop().toBytes();
    const array = unpickle(bytes, { allowList }) as NdArray;
    expect(Array.from(array.data as Int32Array)).toEqual([7, -1]);
  });

  it('reads protocol 5 out-of-band buffers (NEXT_BUFFER) for _frombuffer, and says when none were given', () => {
    const bytes = new PickleBytes()
      .proto(5)
      .stackGlobal('numpy.core.numeric', '_frombuffer').mark().op(0x97).op(0x98).dtype('u4').int(2).op(0x85).str('C').tuple().reduce()
      .stop().toBytes();
    const buffer = new Uint8Array(new Uint32Array([1, 4294967295]).buffer);
    const array = unpickle(bytes, { allowList, buffers: [buffer] }) as NdArray;
    expect(array.dtype?.str).toBe('<u4');
    expect(Array.from(array.data as Uint32Array)).toEqual([1, 4294967295]);
    expect(() => unpickle(bytes, { allowList })).toThrow(/out-of-band buffer #1, but 0 were given/);
  });

  it('checks that an array has exactly the bytes its shape and dtype need', () => {
    const bytes = new PickleBytes()
      .proto(5)
      .stackGlobal('numpy.core.numeric', '_frombuffer').mark().op(0x96).u64(12).raw(new Uint8Array(12)).dtype('f8').int(2).op(0x85).str('C').tuple().reduce()
      .stop().toBytes();
    expect(() => unpickle(bytes, { allowList })).toThrow(/needs 16 bytes, found 12/);
  });
});

describe('NdArray', () => {
  it('decodes unicode, bytes, bool, int64 and object arrays', () => {
    const fill = (typestr: string, shape: number[], raw: Uint8Array | unknown[]) => {
      const array = new NdArray();
      array.fill(shape, new NumpyDtype(typestr, 't'), false, raw as Uint8Array, 't');
      return array.data;
    };
    const utf32 = new Uint8Array(new Uint32Array([0x68, 0x69, 0, 0x2713, 0, 0]).buffer);
    expect(fill('U3', [2], utf32)).toEqual(['hi', '✓']);
    expect(fill('S2', [2], Uint8Array.of(97, 98, 99, 0))).toEqual(['ab', 'c']);
    expect(fill('b1', [3], Uint8Array.of(1, 0, 1))).toEqual([true, false, true]);
    expect(fill('i8', [2], new Uint8Array(new BigInt64Array([-5n, 2n ** 62n]).buffer))).toEqual([-5, 2n ** 62n]);
    expect(fill('O8', [2, 1], ['a', 3])).toEqual(['a', 3]);
    expect(() => fill('O8', [3], ['a'])).toThrow(/needs a list of 3 items/);
  });
});
