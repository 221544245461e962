import { describe, expect, it } from 'vitest';
import { HUMAN_TAGS } from '../../src/stages/approve/tags.js';
import { ROLLED_BACK_AT_TAG } from '../../src/stages/deploy/deploy.js';
import { modelVersionStands } from '../../src/stages/model-ref.js';
import { formatModelUri } from '../../src/tracking/model-uri.js';
import { localStage } from '../helpers/stage-context.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('modelVersionStands (may the step cache hand this version on?)', () => {
  it('is true for a registered version, false once it is rolled back or rejected by a person, or when it does not exist', async () => {
    const { ctx } = await localStage(await tempDir());
    const { registry } = ctx.workspace;
    const name = 'main.iris.m';
    await registry.createRegisteredModel(name);
    const ref = async () => {
      const v = await registry.createModelVersion({ name, source: 'file:///nowhere/model', tags: { 'mlops.approval_status': 'rejected' } });
      return { name, version: v.version, uri: formatModelUri({ kind: 'version', name, version: v.version }) };
    };
    const [plain, rolledBack, humanRejected] = [await ref(), await ref(), await ref()];
    await registry.setModelVersionTag(name, rolledBack.version, ROLLED_BACK_AT_TAG, '2026-01-01T00:00:00Z');
    await registry.setModelVersionTag(name, humanRejected.version, HUMAN_TAGS.decision, 'rejected');
    expect(await modelVersionStands(ctx, plain)).toBe(true);
    expect(await modelVersionStands(ctx, rolledBack)).toBe(false);
    expect(await modelVersionStands(ctx, humanRejected)).toBe(false);
    expect(await modelVersionStands(ctx, { ...plain, version: '99' })).toBe(false);
  });
});
