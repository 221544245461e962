import type { FakeResponse, RecordedRequest } from './http.js';

export interface FaultRule {
  method?: string;
  /** A path prefix (ending in *) or an exact path, or a pattern. */
  path: string | RegExp;
  status: number;
  /** How many matching requests fail; default 1. */
  times?: number;
  /** Let this many matching requests through first. */
  after?: number;
  retryAfter?: string;
  errorCode?: string;
  message?: string;
}

/** Fault injection: the next matching requests fail with the given status (429, 503, …). */
export class Faults {
  readonly #rules: (FaultRule & { remaining: number; skip: number })[] = [];

  add(rule: FaultRule): void {
    this.#rules.push({ ...rule, remaining: rule.times ?? 1, skip: rule.after ?? 0 });
  }

  clear(): void {
    this.#rules.length = 0;
  }

  match(request: RecordedRequest): FakeResponse | undefined {
    for (const rule of this.#rules) {
      if (rule.remaining <= 0) continue;
      if (rule.method !== undefined && rule.method !== request.method) continue;
      const matches =
        rule.path instanceof RegExp
          ? rule.path.test(request.path)
          : rule.path.endsWith('*')
            ? request.path.startsWith(rule.path.slice(0, -1))
            : request.path === rule.path;
      if (!matches) continue;
      if (rule.skip > 0) {
        rule.skip--;
        continue;
      }
      rule.remaining--;
      const errorCode = rule.errorCode ?? (rule.status === 429 ? 'REQUEST_LIMIT_EXCEEDED' : rule.status === 503 ? 'TEMPORARILY_UNAVAILABLE' : 'INTERNAL_ERROR');
      return {
        status: rule.status,
        headers: rule.retryAfter !== undefined ? { 'retry-after': rule.retryAfter } : {},
        body: { error_code: errorCode, message: rule.message ?? `Injected fault ${rule.status}` },
      };
    }
    return undefined;
  }
}
