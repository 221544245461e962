import { describe, expect, it } from 'vitest';
import { matchRoute, withAjaxAliases, type Route } from '../../../src/tracking/server/router.js';

const handler: Route['handler'] = async () => ({ json: {} });
const routes: Route[] = withAjaxAliases([
  { method: 'GET', path: '/api/2.0/mlflow/runs/get', handler },
  { method: 'POST', path: '/api/2.0/mlflow/runs/create', handler },
  { method: 'PUT', path: '/api/2.0/mlflow-artifacts/artifacts', prefix: true, handler },
]);

describe('routing', () => {
  it('matches exact paths, prefixes (with the rest of the path) and the /ajax-api aliases', () => {
    expect(matchRoute(routes, 'GET', '/api/2.0/mlflow/runs/get')).toMatchObject({ rest: '' });
    expect(matchRoute(routes, 'GET', '/ajax-api/2.0/mlflow/runs/get')).toMatchObject({ route: { path: '/ajax-api/2.0/mlflow/runs/get' } });
    expect(matchRoute(routes, 'PUT', '/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/a.txt')).toMatchObject({ rest: '1/r/artifacts/a.txt' });
    expect(matchRoute(routes, 'PUT', '/api/2.0/mlflow-artifacts/artifactsX')).toBeUndefined();
  });

  it('tells a wrong method (with the allowed ones) from an unknown path', () => {
    expect(matchRoute(routes, 'GET', '/api/2.0/mlflow/runs/create')).toEqual({ allowed: ['POST'] });
    expect(matchRoute(routes, 'GET', '/api/2.0/mlflow/no-such-endpoint')).toBeUndefined();
  });
});
