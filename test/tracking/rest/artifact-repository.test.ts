import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultArtifactRepository, LocalArtifactRepository, ProxiedArtifactRepository } from '../../../src/tracking/rest/artifact-repository.js';
import { MlflowHttpClient } from '../../../src/tracking/rest/http-client.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
const http = new MlflowHttpClient({ baseUrl: 'http://127.0.0.1:1' });

describe('artifact repositories', () => {
  it("chooses the proxy for mlflow-artifacts:, the disk for file: and paths, like MLflow's client", () => {
    expect(defaultArtifactRepository(http, 'mlflow-artifacts:/1/abc/artifacts')).toBeInstanceOf(ProxiedArtifactRepository);
    expect((defaultArtifactRepository(http, 'mlflow-artifacts://tracking:5000/1/abc/artifacts') as ProxiedArtifactRepository).rootPath).toBe('1/abc/artifacts');
    expect(defaultArtifactRepository(http, 'file:///tmp/mlruns/1/abc/artifacts')).toBeInstanceOf(LocalArtifactRepository);
    expect(defaultArtifactRepository(http, '/tmp/mlruns/1/abc/artifacts')).toBeInstanceOf(LocalArtifactRepository);
    expect(() => defaultArtifactRepository(http, 's3://bucket/1/abc/artifacts')).toThrow(/s3: scheme, which this client cannot reach.*--serve-artifacts/);
    expect(() => new ProxiedArtifactRepository(http, 'mlflow-artifacts:/1/../../etc')).toThrow(/climbs out/);
  });

  it('writes, lists and reads a file: artifact root on this machine', async () => {
    const root = join(await tempDir(), 'artifacts');
    const repository = new LocalArtifactRepository(pathToFileURL(root).href);
    await repository.upload('model/MLmodel', 'flavors: {}\n');
    expect(await readFile(join(root, 'model', 'MLmodel'), 'utf8')).toBe('flavors: {}\n');
    expect(await repository.list('')).toEqual([{ path: 'model', isDir: true, fileSize: undefined }]);
    expect(new TextDecoder().decode(await repository.download('model/MLmodel'))).toBe('flavors: {}\n');
    await expect(repository.download('model/none')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(repository.upload('../outside', 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
