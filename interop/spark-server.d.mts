// Types of interop/spark-server.mjs for the TypeScript tests that import it.
export declare const SERVE_SCRIPT: string;
export declare const READY_LINE: string;
export declare function readyVersion(output: string): string | undefined;
export declare function serverConf(options: { port: number; workDir: string; master?: string; extra?: Record<string, string> }): Record<string, string>;
export declare const SERVER_ENV: Record<string, string>;
