import { defineConfig } from 'vitest/config';

// Files whose assertions measure time (a cancellation within 1 s, /ping latency, training or a
// pickle decoded within a bound): they run last, one at a time, with the machine to themselves.
const TIMED = [
  'test/serve/responsiveness.test.ts',
  'test/cli/interrupt.test.ts',
  'test/stages/train/scale-and-cancel.test.ts',
  'test/model/pickle/limits.test.ts',
  'test/model/train.test.ts',
  'test/model/classifier.test.ts',
  'test/config/discovery.test.ts',
  'test/tracking/rest/http-client.test.ts',
];

const shared = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['test/**/*.test.ts'],
          // test/interop/ needs Python and Java peers: `npm run test:interop` runs it.
          exclude: ['test/interop/**', '**/node_modules/**', ...TIMED],
          // Vitest's default on a 2-core CI machine is one worker (cores - 1): every file in turn,
          // one core idle while a file waits on a spawned CLI, a server or disk. Two keep both busy.
          maxWorkers: 2,
        },
      },
      {
        test: {
          ...shared,
          name: 'timed',
          include: TIMED,
          maxWorkers: 1,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
