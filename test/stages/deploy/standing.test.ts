import { describe, expect, it } from 'vitest';
import { versionStandings } from '../../../src/stages/deploy/standing.js';

const v = (version: string, tags: Record<string, string>, aliases: string[] = []) => ({ version, tags, aliases });

describe('versionStandings', () => {
  it('after deployments and a rollback: champion, previous champion, rolled back — never a rolled-back "approved"', () => {
    const standings = versionStandings([
      v('4', { 'mlops.approval_status': 'approved', 'mlops.rolled_back_at': '2026-01-02T00:00:00Z', 'mlops.rolled_back_to': '3', 'mlops.previous_champion': '3' }),
      v('3', { 'mlops.approval_status': 'approved', 'mlops.previous_champion': '2' }, ['champion']),
      v('2', { 'mlops.approval_status': 'approved', 'mlops.previous_champion': '1' }),
      v('1', { 'mlops.approval_status': 'approved' }),
    ]);
    expect(standings.get('4')?.text).toBe('rolled back (champion went back to 3) · approved');
    expect(standings.get('4')?.role).toBe('rolled_back');
    expect(standings.get('3')?.text).toBe('champion · approved');
    expect(standings.get('2')?.text).toBe('previous champion · approved');
    expect(standings.get('1')?.text).toBe('approved');
  });

  it('says who approved or rejected by hand, and what still waits for a person', () => {
    const standings = versionStandings([
      v('3', { 'mlops.human_approval': 'approved', 'mlops.human_approval_by': 'alice' }),
      v('2', { 'mlops.approval_status': 'rejected', 'mlops.human_approval': 'rejected', 'mlops.human_approval_by': 'bob' }),
      v('1', { 'mlops.approval_status': 'pending_human_approval' }),
      v('0', {}),
      v('5', { 'mlops.approval_status': 'rejected', 'mlops.approval_reasons': 'accuracy below 0.9' }),
    ]);
    expect(standings.get('3')).toMatchObject({ approval: 'approved', decidedBy: 'alice', text: 'approved by alice' });
    expect(standings.get('2')).toMatchObject({ approval: 'rejected', text: 'rejected by bob' });
    expect(standings.get('1')?.text).toBe('awaiting human approval');
    expect(standings.get('0')?.text).toBe('not evaluated');
    expect(standings.get('5')?.text).toBe('rejected');
  });
});
