import type { InputColumn } from '../model/encoding.js';
import type { DenseForward } from '../model/forward.js';
import { parseCsvInput } from './csv-input.js';
import { checkFiniteScores } from './finite-scores.js';
import { parseJsonInput, type ParsedInput } from './parse-input.js';
import { predictionsJson } from './predictions.js';
import { utf8Text } from './read-body.js';
import { badRequest, ScoringError, tooManyRows } from './scoring-error.js';

export interface ScoringLimits {
  /** Rows one request may score; more is 413 REQUEST_LIMIT_EXCEEDED. */
  maxRows: number;
}

/** What scoring needs of the served model. */
export interface ScoringModel {
  forward: DenseForward;
  /** The raw input columns a request names, with how each is read (numeric, imputed, categorical). */
  inputs: readonly InputColumn[];
}

/**
 * One /invocations request, body bytes to response JSON: decode (UTF-8), parse (JSON or CSV,
 * checked against the signature), score, check the scores are finite, write the predictions.
 * Synchronous and pure: the server runs it on a worker thread, off the event loop. Throws a
 * ScoringError (4xx) for anything wrong with the request.
 */
export function scoreRequest(body: Uint8Array, contentType: string | undefined, model: ScoringModel, limits: ScoringLimits): string {
  const parsed = parseRequest(contentType, utf8Text(body), model.inputs, limits);
  const { forward } = model;
  // The parsed rows are raw inputs (categories as indices, missing numbers as NaN): encoded, then scored.
  const proba = forward.predictRawProba(parsed.features, parsed.rows);
  checkFiniteScores(proba, parsed.rows, forward.labels.length);
  return predictionsJson(forward.labels, proba, parsed.rows);
}

function parseRequest(contentTypeHeader: string | undefined, body: string, inputs: readonly InputColumn[], limits: ScoringLimits): ParsedInput {
  const [mime = '', ...params] = (contentTypeHeader ?? '').split(';').map((part) => part.trim().toLowerCase());
  for (const param of params) {
    const [key, value] = param.split('=').map((s) => s.trim().replace(/^"|"$/g, ''));
    if (key === 'charset' && value !== 'utf-8' && value !== 'utf8') {
      throw new ScoringError(415, 'BAD_REQUEST', `The scoring server only supports UTF-8; the request says charset=${value}`);
    }
  }
  const schema = { featureNames: inputs.map((input) => input.name), inputs };
  if (mime === 'application/json') {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      throw badRequest(`Failed to parse the input as JSON: ${(error as Error).message}`);
    }
    const parsed = parseJsonInput(json, schema);
    if (parsed.rows > limits.maxRows) throw tooManyRows(String(parsed.rows), limits.maxRows);
    return parsed;
  }
  if (mime === 'text/csv') return parseCsvInput(body, schema, { maxRows: limits.maxRows });
  throw new ScoringError(415, 'BAD_REQUEST', `Content-Type must be application/json or text/csv; got ${contentTypeHeader ? `"${contentTypeHeader}"` : 'none'}`);
}
