import { describe, expect, it } from 'vitest';
import { checkBatch, newRun, validateNewExperiment, validateRunUpdate } from '../../src/tracking/store-input.js';

const defaults = { user: () => 'os-user', now: () => 1234 };

describe('newRun', () => {
  it('takes the name from runName or the mlflow.runName tag, the user from userId, the tag or the default', () => {
    expect(newRun({ experimentId: '0', runName: 'a' }, defaults)).toEqual({ runName: 'a', userId: 'os-user', startTime: 1234, tags: { 'mlflow.runName': 'a', 'mlflow.user': 'os-user' } });
    expect(newRun({ experimentId: '0', tags: { 'mlflow.runName': 'b', 'mlflow.user': 'ann' }, startTime: 5 }, defaults)).toMatchObject({ runName: 'b', userId: 'ann', startTime: 5 });
    expect(newRun({ experimentId: '0', userId: '' }, defaults).tags).not.toHaveProperty('mlflow.user');
    expect(newRun({ experimentId: '0' }, defaults).runName).not.toBe('');
  });

  it('refuses two different names and a bad start time', () => {
    expect(() => newRun({ experimentId: '0', runName: 'a', tags: { 'mlflow.runName': 'b' } }, defaults)).toThrow(/runName='a'.*mlflow.runName='b'/);
    expect(() => newRun({ experimentId: '0', startTime: -1 }, defaults)).toThrow(/startTime/);
  });
});

describe('the other checks', () => {
  it('refuse a runs:/ artifact location, a bad status and a param that is too long, naming them', () => {
    expect(() => validateNewExperiment('e', { artifactLocation: 'runs:/x' })).toThrow(/runs:\/x/);
    expect(() => validateRunUpdate('r1', { status: 'DONE' as never })).toThrow(/'DONE'/);
    expect(validateRunUpdate('r1', { runName: '' })).toBeUndefined();
    expect(() => checkBatch({ params: { lr: 'x'.repeat(10_000) } })).toThrow(/lr/);
    expect(checkBatch({ params: { lr: '1' }, tags: { t: 'v' } })).toEqual({ metrics: [], params: [['lr', '1']], tags: [['t', 'v']] });
  });
});
