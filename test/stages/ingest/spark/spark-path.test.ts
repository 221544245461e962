import { describe, expect, it } from 'vitest';
import { sparkReadPath } from '../../../../src/stages/ingest/spark/spark-path.js';

describe('the path Spark reads a landing file by', () => {
  it('a local file: file: and its absolute path, unencoded (Hadoop paths are not URL-encoded)', () => {
    expect(sparkReadPath('file:///data/landing/my%20file.csv', '/data/landing/my file.csv')).toBe('file:///data/landing/my file.csv');
  });

  it('ADLS: abfss:// unchanged, the https endpoints as abfss://', () => {
    expect(sparkReadPath('abfss://land@acct.dfs.core.windows.net/iris/a.csv', undefined)).toBe('abfss://land@acct.dfs.core.windows.net/iris/a.csv');
    expect(sparkReadPath('https://acct.dfs.core.windows.net/land/iris/a%20b.csv', undefined)).toBe('abfss://land@acct.dfs.core.windows.net/iris/a b.csv');
    expect(sparkReadPath('https://acct.blob.core.windows.net/land/a.csv', undefined)).toBe('abfss://land@acct.dfs.core.windows.net/a.csv');
  });

  it('refuses what Spark would misread or cannot reach, naming the file', () => {
    expect(() => sparkReadPath('file:///l/data[1].csv', '/l/data[1].csv')).toThrow(/Cannot hand file:\/\/\/l\/data\[1\]\.csv to Spark: its path holds "\["/);
    expect(() => sparkReadPath('https://example.com/files/a.csv', undefined)).toThrow(/^Spark cannot read https:\/\/example\.com\/files\/a\.csv: give a source_path the Spark server can open too/);
  });
});
