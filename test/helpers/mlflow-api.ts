/** What a call to the MLflow REST API answered: the status and the parsed JSON body. */
export interface MlflowAnswer {
  status: number;
  json: Record<string, unknown>;
}

/** Calls `${baseUrl}/api/2.0/mlflow/${path}`, sending `body` (when given) as JSON with `contentType`. */
export async function callMlflowApi(baseUrl: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<MlflowAnswer> {
  const response = await fetch(`${baseUrl}/api/2.0/mlflow/${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'Content-Type': contentType }, body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}
