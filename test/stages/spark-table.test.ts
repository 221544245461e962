import { describe, expect, it } from 'vitest';
import { SparkEngine } from '../../src/engine/spark-engine.js';
import { readsSparkTable } from '../../src/stages/spark-table.js';

describe('readsSparkTable', () => {
  const spark = new SparkEngine({ spec: { remote: 'sc://127.0.0.1:1' } });

  it('is true only for a table name on a target with a Spark engine', () => {
    expect(readsSparkTable({ spark }, 'main.iris.ingested')).toBe(true);
    expect(readsSparkTable({ spark }, '/Volumes/main/iris/vol/ingested')).toBe(false);
    expect(readsSparkTable({}, 'main.iris.ingested')).toBe(false);
  });
});
