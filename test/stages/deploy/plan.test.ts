import { describe, expect, it } from 'vitest';
import { planDeployment } from '../../../src/stages/deploy/plan.js';

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
