import { defineConfig } from 'vitest/config';

// The interop suite (`npm run test:interop`): tests against real MLflow, scikit-learn, PySpark and the
// Databricks SDK, which interop/run.mjs provisions first. Peers are JVMs and Python servers: files run
// one at a time so two Spark applications never compete for this machine's 2 cores.
export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
