import type { PythonEnv } from './python.js';
import { pythonOf } from './python.js';
import { freePort, startPeer } from './peer.js';
import type { Peer } from './peer.js';

export interface MlflowServer {
  /** http://127.0.0.1:<port> — a tracking URI for MLflow clients and ours. */
  url: string;
  peer: Peer;
  stop(): Promise<void>;
}

export interface StartMlflowServerOptions {
  env: PythonEnv;
  /** e.g. sqlite:////tmp/x/mlflow.db, or a file-store folder. */
  backendStoreUri: string;
  /** With serveArtifacts: where the server keeps artifacts (--artifacts-destination). */
  artifactsDestination?: string;
  /** Proxied artifact access (--serve-artifacts); MLflow 3's default, opt-in on 2.x. */
  serveArtifacts?: boolean;
  extraEnv?: Record<string, string | undefined>;
}

/** A real `mlflow server` on 127.0.0.1 and a free port, ready when /health answers. */
export async function startMlflowServer(options: StartMlflowServerOptions): Promise<MlflowServer> {
  const port = await freePort();
  const args = ['-m', 'mlflow', 'server', '--host', '127.0.0.1', '--port', String(port), '--workers', '1', '--backend-store-uri', options.backendStoreUri];
  if (options.serveArtifacts) args.push('--serve-artifacts');
  if (options.artifactsDestination) args.push('--artifacts-destination', options.artifactsDestination);
  const url = `http://127.0.0.1:${port}`;
  const peer = await startPeer({
    name: `mlflow server (${options.env})`,
    command: pythonOf(options.env),
    args,
    // A file-store backend is refused by MLflow ≥ 3.13 unless allowed; the tests that use one say so.
    env: { MLFLOW_ALLOW_FILE_STORE: 'true', ...options.extraEnv },
    readyUrl: `${url}/health`,
  });
  return { url, peer, stop: () => peer.stop() };
}
