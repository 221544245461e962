import { describe, expect, it } from 'vitest';
import { OP, opcodeName } from '../../../src/model/pickle/opcodes.js';

describe('opcodes', () => {
  it('names opcodes as pickletools does, and unknown bytes in hex', () => {
    expect(opcodeName(OP.STACK_GLOBAL)).toBe('STACK_GLOBAL');
    expect(opcodeName(0x28)).toBe('MARK');
    expect(opcodeName(0xff)).toBe('0xff');
    expect(new Set(Object.values(OP)).size).toBe(Object.keys(OP).length);
  });
});
