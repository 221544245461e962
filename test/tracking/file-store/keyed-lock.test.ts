import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../../src/tracking/file-store/keyed-lock.js';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

describe('KeyedLock', () => {
  it('runs tasks with the same key one after another', async () => {
    const lock = new KeyedLock();
    let counter = 0;
    // A read-modify-write with a pause in the middle loses updates unless serialised.
    const increment = () =>
      lock.run('k', async () => {
        const seen = counter;
        await tick();
        counter = seen + 1;
      });
    await Promise.all(Array.from({ length: 10 }, increment));
    expect(counter).toBe(10);
  });

  it('lets different keys run side by side and survives a failing task', async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    const slow = lock.run('a', async () => {
      await tick();
      await tick();
      order.push('a');
    });
    const fast = lock.run('b', async () => {
      order.push('b');
    });
    await Promise.all([slow, fast]);
    expect(order).toEqual(['b', 'a']);
    await expect(lock.run('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.run('a', async () => 'after')).resolves.toBe('after');
  });
});
