import { describe, expect, it } from 'vitest';
import { DatabricksArtifactRepository, runIdOfArtifactUri } from '../../../src/workspace/databricks/artifacts.js';
import { patClient, useFakeDatabricks } from '../../fakes/databricks/helpers.js';

describe('runIdOfArtifactUri', () => {
  it('finds the run in Databricks-hosted artifact URIs only', () => {
    expect(runIdOfArtifactUri('dbfs:/databricks/mlflow-tracking/123/abc/artifacts')).toBe('abc');
    expect(runIdOfArtifactUri('dbfs:/databricks/mlflow-tracking/123/abc/artifacts/')).toBe('abc');
    expect(runIdOfArtifactUri('mlflow-artifacts:/1/abc/artifacts')).toBeUndefined();
  });
});

describe('DatabricksArtifactRepository', () => {
  const startFake = useFakeDatabricks();

  it('refuses paths that climb out of the run root before asking for credentials', async () => {
    const fake = await startFake();
    const { client, storage } = patClient(fake);
    const repository = new DatabricksArtifactRepository({ client, storage, runId: 'r1' });
    await expect(repository.upload('../other/x', 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(fake.requests).toHaveLength(0);
  });

  it('reports an unknown run from credentials-for-write as NOT_FOUND', async () => {
    const fake = await startFake();
    const { client, storage } = patClient(fake);
    await expect(new DatabricksArtifactRepository({ client, storage, runId: 'nope' }).upload('a.txt', 'x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
