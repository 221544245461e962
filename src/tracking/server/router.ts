import type { Params } from './params.js';

/** What a handler sees of a request. */
export interface ApiRequest {
  method: string;
  /** The URL path, decoded segment by segment is left to the handler. */
  path: string;
  /** The path after the route's prefix, for prefix routes (the artifact proxy). */
  rest: string;
  query: URLSearchParams;
  /** From the query string for GET, from the JSON body otherwise. */
  params: Params;
  body: Buffer;
  signal: AbortSignal;
}

export type ApiResult =
  | { status?: number; json: unknown }
  | { status?: number; bytes: Uint8Array; contentType: string }
  | { status?: number; text: string; contentType?: string };

export type Handler = (request: ApiRequest) => Promise<ApiResult>;

export interface Route {
  method: string;
  /** An exact path, or with `prefix: true` everything below it. */
  path: string;
  prefix?: boolean;
  /** Raw bodies (artifact uploads) are not parsed as JSON. */
  rawBody?: boolean;
  handler: Handler;
}

export type RouteMatch = { route: Route; rest: string } | { allowed: string[] } | undefined;

/** Finds the route for a method and path; `{allowed}` when the path exists with other methods only. */
export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch {
  const allowed: string[] = [];
  for (const route of routes) {
    let rest: string | undefined;
    if (route.prefix) {
      if (path === route.path) rest = '';
      else if (path.startsWith(`${route.path}/`)) rest = path.slice(route.path.length + 1);
    } else if (path === route.path) rest = '';
    if (rest === undefined) continue;
    if (route.method === method) return { route, rest };
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { allowed: [...new Set(allowed)] } : undefined;
}

/** MLflow serves its API under /api/2.0/mlflow and again under /ajax-api/2.0/mlflow for the UI. */
export function withAjaxAliases(routes: readonly Route[]): Route[] {
  return routes.flatMap((route) => (route.path.startsWith('/api/') ? [route, { ...route, path: route.path.replace(/^\/api\//, '/ajax-api/') }] : [route]));
}
