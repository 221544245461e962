import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../../src/errors.js';
import { appendToUri, artifactUriToPath, pathToFileUri, resolveArtifactLocation } from '../../../src/tracking/file-store/artifact-uri.js';

describe('artifact URIs', () => {
  it('makes percent-encoded file URIs like Path.as_uri()', () => {
    expect(pathToFileUri('/tmp/my runs/mlruns')).toBe('file:///tmp/my%20runs/mlruns');
    expect(artifactUriToPath('file:///tmp/my%20runs/mlruns/0')).toBe('/tmp/my runs/mlruns/0');
  });

  it('joins URI parts with one slash', () => {
    expect(appendToUri('file:///a/mlruns/', '7', 'artifacts')).toBe('file:///a/mlruns/7/artifacts');
    expect(appendToUri('mlflow-artifacts:/7', '/run', 'artifacts')).toBe('mlflow-artifacts:/7/run/artifacts');
  });

  it('resolves plain paths to file URIs and keeps other schemes', () => {
    expect(resolveArtifactLocation('art', '/base')).toBe('file:///base/art');
    expect(resolveArtifactLocation('s3://bucket/x')).toBe('s3://bucket/x');
    expect(artifactUriToPath('/plain/path')).toBe('/plain/path');
  });

  it('maps mlflow-artifacts:/ under the artifacts destination', () => {
    expect(artifactUriToPath('mlflow-artifacts:/5/abc/artifacts', { artifactsDestination: '/srv/mlartifacts' })).toBe(join('/srv/mlartifacts', '5/abc/artifacts'));
    expect(() => artifactUriToPath('mlflow-artifacts:/5/abc/artifacts')).toThrow(/artifactsDestination/);
    expect(() => artifactUriToPath('mlflow-artifacts:/../etc', { artifactsDestination: '/srv' })).toThrow(MlopsError);
  });

  it('refuses schemes it cannot reach', () => {
    expect(() => artifactUriToPath('s3://bucket/x')).toThrow(/s3: scheme/);
  });
});
