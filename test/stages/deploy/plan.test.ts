import { describe, expect, it } from 'vitest';
import { planDeployment, planRollback } from '../../../src/stages/deploy/plan.js';

describe('planDeployment', () => {
  it('moves the alias and remembers the previous champion', () => {
    expect(planDeployment('3', '2')).toEqual({ action: 'move', version: '3', previous: '2' });
  });
  it('moves the alias for a first champion', () => {
    expect(planDeployment('1', undefined)).toEqual({ action: 'move', version: '1', previous: undefined });
  });
  it('does nothing when the version is already champion', () => {
    expect(planDeployment('2', '2')).toEqual({ action: 'unchanged', version: '2' });
  });
});

describe('planRollback', () => {
  const facts = { name: 'm', champion: '3', previous: '2', previousExists: true, previousStatus: 'approved' };
  it('moves the alias back to the version the champion replaced', () => {
    expect(planRollback(facts)).toEqual({ from: '3', to: '2' });
  });
  it('says why there is nothing to roll back to', () => {
    expect(() => planRollback({ ...facts, champion: undefined })).toThrow('Model m has no champion alias, so there is nothing to roll back');
    expect(() => planRollback({ ...facts, previous: undefined })).toThrow('Model m version 3 was its first champion: there is no previous champion to restore');
    expect(() => planRollback({ ...facts, previousExists: false })).toThrow('the previous champion, version 2, no longer exists');
    expect(() => planRollback({ ...facts, previousStatus: 'rejected' })).toThrow(/version 2, is no longer approved \(mlops\.approval_status = rejected\)/);
  });
});
