import { API_ROUTES, type ApiRoute } from './api-routes.generated.js';

export { API_ROUTES, type ApiRoute };

/**
 * A route template of the generated table as a RegExp: {name} is one path segment, {name+} one or
 * more (a Files API path such as /Volumes/c/s/v/a.parquet, or an artifact path). Captures each parameter.
 */
export function templatePattern(template: string): RegExp {
  const source = template
    .split(/(\{[A-Za-z0-9_]+\+?\})/)
    .map((part) => {
      if (/^\{[A-Za-z0-9_]+\+\}$/.test(part)) return '(.+)';
      if (/^\{[A-Za-z0-9_]+\}$/.test(part)) return '([^/]+)';
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`);
}

/** The generated route for exactly this method and template; throws when the contract has no such route. */
export function apiRoute(method: string, template: string): ApiRoute {
  const route = API_ROUTES.find((r) => r.method === method && r.path === template);
  if (route === undefined) {
    const samePath = API_ROUTES.filter((r) => r.path === template).map((r) => r.method);
    throw new Error(
      `The fake may only serve routes of the Databricks contract (api-routes.generated.ts); ${method} ${template} is not one` +
        (samePath.length > 0 ? ` (that path takes ${samePath.join(', ')})` : ''),
    );
  }
  return route;
}

/** The contract routes (method and template) a concrete request path matches. */
export function matchingRoutes(method: string, path: string, routes: readonly ApiRoute[] = API_ROUTES): ApiRoute[] {
  return routes.filter((route) => route.method === method && templatePattern(route.path).test(path));
}
