import { describe, expect, it } from 'vitest';
import { extraFacts, renderFacts } from '../../src/report/facts.js';

describe('renderFacts and extraFacts', () => {
  it('renders label/value pairs, leaving out absent values and escaping text', () => {
    const out = renderFacts([['Rows', '150'], ['Absent', undefined], ['Empty', ''], ['Path', '/a/<b>']]).value;
    expect(out).toBe('<dl class="facts"><dt>Rows</dt><dd>150</dd><dt>Path</dt><dd>/a/&lt;b&gt;</dd></dl>');
  });

  it('shows scalar fields the report does not know by name, and skips known and structured ones', () => {
    const summary = { rows_written: 1, files_quarantined: 2, note: 'late', strict: true, bad_files: ['x.csv', 'y.csv'], nested: { a: 1 } };
    expect(extraFacts(summary, ['rows_written'])).toEqual([
      ['files quarantined', '2'],
      ['note', 'late'],
      ['strict', 'yes'],
      ['bad files', 'x.csv, y.csv'],
    ]);
  });
});
