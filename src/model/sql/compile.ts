import { MlopsError } from '../../errors.js';
import type { ClassifierDescription, DenseLayerDescription } from '../classifier.js';
import { numericInputs } from '../encoding.js';
import { sqlDouble, sqlIdentifier, sqlString, type SqlDialect } from './literals.js';

/**
 * Compiles a dense softmax classifier (Classifier.describe()) into SQL that Spark SQL (Databricks
 * SQL warehouses) and DuckDB both accept and evaluate alike, so that a table can be scored where
 * it lives. Only portable constructs are used: + - * /, CAST(… AS DOUBLE), EXP, TANH, GREATEST,
 * CASE WHEN … THEN … ELSE … END, AND, comparisons, and nested SELECTs with aliases. Numbers are
 * exponent literals (DOUBLE in both engines), identifiers are bare unless a name needs quoting.
 *
 * The model: z = (x − mean) / std per feature; each dense layer a = act(b + Σ w·in) with relu =
 * GREATEST(x, 0), tanh = TANH(x), sigmoid = 0.5·TANH(0.5·x) + 0.5 (the same function, but it cannot
 * overflow as 1/(1+EXP(−x)) can); softmax probabilities p_k = EXP(o_k − max o) / Σ EXP(o_m − max o)
 * in the query, and p_k = 1 / (1 + Σ_{m≠k} EXP(o_m − o_k)) in the standalone expressions (one
 * expression per output, no shared max). Everything is computed in DOUBLE.
 *
 * A row with a null, NaN or infinite feature gets NULL probabilities and a NULL prediction,
 * like the batch scorer's on_invalid: null (the test `x - x = 0` is false for NaN and ±∞ and NULL
 * for NULL in both engines).
 */
export interface SqlCompileOptions {
  /** Only changes how names that are not plain identifiers are quoted, and how backslashes in strings are written. Default 'spark'. */
  dialect?: SqlDialect;
}

export interface CompiledProbability {
  label: string;
  /** probability_<label>. */
  column: string;
  /** A scalar expression over the feature columns. */
  expression: string;
}

export interface CompiledClassifierSql {
  /** The input columns the SQL reads (the model's raw inputs). */
  featureNames: string[];
  labels: string[];
  /** One standalone scalar expression per label. Their size grows with the product of the hidden layer widths. */
  probabilities: CompiledProbability[];
  /** A standalone scalar expression: the most probable label (the first one on ties). */
  prediction: string;
  /** A boolean expression: true when every feature that is not imputed is a finite number (the row can be scored). */
  valid: string;
  /**
   * A string expression: NULL for a valid row, else why not, worded as the batch scorer's
   * invalid_reason (`x is null`, `x is NaN`, `x is Infinity`, joined by `; `).
   */
  invalidReason: string;
  /**
   * One SELECT statement over `source` (a table name, or a table function such as DuckDB's
   * read_parquet('…') or Spark's parquet.`…`) that computes every unit once, one nested SELECT
   * per layer. Its columns: `select` (default the features), then prediction and the probabilities.
   */
  query(source: string, options?: { select?: readonly string[] }): string;
  /**
   * The model as successive projections, for an engine that runs one select list over the
   * previous one's columns (Spark's DataFrame.selectExpr, chained): see CompiledLayers.
   */
  layered: CompiledLayers;
}

/**
 * `hidden[l]` holds hidden layer l+1's units as `<expression> AS __mlops_h<l+1>_<j>`: the first
 * layer's over the input columns, each later layer's over the columns of the one before, so one
 * projection per hidden layer adds its units as columns. `prediction` and `probabilities` read the
 * last hidden layer's columns (and `valid`, the input columns), for the projection after those.
 *
 * Why Spark needs it: Spark computes an expression that occurs more than once in a projection only
 * once (subexpression elimination), but not inside the branches of a CASE; the standalone
 * expressions hold every hidden unit inside `CASE WHEN valid THEN …`, so Spark's generated Java
 * evaluated each unit once per use (tens of times per row) and grew past the JVM's limits for
 * compiling a method (measured on local[2], 2M rows of the 4-16-3 Iris model: 15.5 s to write the
 * standalone projection, 3.3 s for the layered one, 2.2 s for the same write without a model).
 * A projection of the logits between the last hidden layer and the outputs made it slower again
 * (27.9 s): the outputs compute the logits themselves.
 */
export interface CompiledLayers {
  hidden: string[][];
  prediction: string;
  probabilities: CompiledProbability[];
  /** The select lists to run one after the other: each hidden layer's (`*` and its units), then `last`. */
  projections(last: readonly string[]): string[][];
}

const PREFIX = '__mlops';

export function compileClassifierSql(model: ClassifierDescription, options: SqlCompileOptions = {}): CompiledClassifierSql {
  checkDescription(model);
  const dialect = options.dialect ?? 'spark';
  // The encoding (encoding.ts) as SQL: a numeric input as DOUBLE, imputed when missing (NULL, NaN,
  // ±Infinity: x - x = 0 is not true for them) where the model imputes it; a categorical input as
  // one CASE per vocabulary value (NULL and unseen values match none: all zeros).
  const modelInputs = model.inputs ?? numericInputs(model.featureNames);
  const checks: string[] = [];
  const reasons: string[] = [];
  const features = modelInputs.flatMap((input): string[] => {
    const id = sqlIdentifier(input.name, dialect);
    if (input.kind === 'categorical') return input.vocabulary.map((value) => `(CASE WHEN ${id} = ${sqlString(value, dialect)} THEN 1E0 ELSE 0E0 END)`);
    const value = `CAST(${id} AS DOUBLE)`;
    if (input.impute === undefined) {
      checks.push(`${value} - ${value} = 0E0`);
      const named = sqlString(`${input.name} is `, dialect);
      reasons.push(
        `CASE WHEN ${id} IS NULL THEN ${sqlString(`${input.name} is null`, dialect)} WHEN ISNAN(${value}) THEN ${sqlString(`${input.name} is NaN`, dialect)} ` +
          `WHEN NOT (${value} - ${value} = 0E0) THEN CONCAT(${named}, CASE WHEN ${value} > 0E0 THEN 'Infinity' ELSE '-Infinity' END) ELSE NULL END`,
      );
      return [value];
    }
    return [`(CASE WHEN ${value} - ${value} = 0E0 THEN ${value} ELSE ${sqlDouble(input.impute)} END)`];
  });
  const valid = checks.length === 0 ? 'TRUE' : checks.join(' AND ');
  const normalized = features.map((feature, i) => `((${feature} - ${sqlDouble(model.normalization.mean[i]!)}) / ${sqlDouble(model.normalization.std[i]!)})`);
  const labelCount = model.labels.length;
  const hidden = model.layers.slice(0, -1);
  const output = model.layers[model.layers.length - 1]!;

  /** The outputs (prediction, probabilities) from the last hidden layer's units, expressions or column names. */
  const outputs = (lastHidden: readonly string[]) => {
    const difference = (m: number, k: number) => linear(output.bias[m]! - output.bias[k]!, lastHidden, (i) => output.kernel[i * labelCount + m]! - output.kernel[i * labelCount + k]!);
    const probabilities = model.labels.map((label, k): CompiledProbability => {
      const others = model.labels.map((_, m) => m).filter((m) => m !== k);
      const sum = others.map((m) => `EXP(${difference(m, k)})`).join(' + ');
      return { label, column: `probability_${label}`, expression: `CASE WHEN ${valid} THEN 1E0 / (1E0 + ${sum}) ELSE NULL END` };
    });
    return { probabilities, prediction: `CASE WHEN ${valid} THEN ${argmax(model.labels, (m, k) => difference(m, k), dialect)} ELSE NULL END` };
  };

  // Standalone expressions: every layer inlined into the next.
  let inputs = normalized;
  for (const layer of hidden) inputs = layerExpressions(layer, inputs);
  const { probabilities, prediction } = outputs(inputs);

  // Layered: each hidden layer a projection of its own.
  const layeredHidden: string[][] = [];
  let columns = normalized;
  hidden.forEach((layer, l) => {
    const names = Array.from({ length: layer.units }, (_, j) => `${PREFIX}_h${l + 1}_${j}`);
    layeredHidden.push(layerExpressions(layer, columns).map((expression, j) => `${expression} AS ${names[j]}`));
    columns = names;
  });
  const layered: CompiledLayers = { hidden: layeredHidden, ...outputs(columns), projections: (last) => [...layeredHidden.map((units) => ['*', ...units]), [...last]] };

  const query = (source: string, queryOptions: { select?: readonly string[] } = {}): string => {
    const zColumns = model.featureNames.map((_, i) => `${PREFIX}_z${i}`);
    let sql = `SELECT *, ${normalized.map((expression, i) => `${expression} AS ${zColumns[i]}`).join(', ')}, ${valid} AS ${PREFIX}_valid FROM ${source} AS ${PREFIX}_input`;
    let columns = zColumns;
    hidden.forEach((layer, l) => {
      const names = Array.from({ length: layer.units }, (_, j) => `${PREFIX}_h${l + 1}_${j}`);
      const expressions = layerExpressions(layer, columns);
      sql = `SELECT *, ${expressions.map((expression, j) => `${expression} AS ${names[j]}`).join(', ')} FROM (${sql}) AS ${PREFIX}_l${l}`;
      columns = names;
    });
    const logits = model.labels.map((_, k) => `${PREFIX}_o${k}`);
    const logitExpressions = model.labels.map((_, k) => linear(output.bias[k]!, columns, (i) => output.kernel[i * labelCount + k]!));
    sql = `SELECT *, ${logitExpressions.map((expression, k) => `${expression} AS ${logits[k]}`).join(', ')} FROM (${sql}) AS ${PREFIX}_l${hidden.length}`;
    const exps = model.labels.map((_, k) => `${PREFIX}_e${k}`);
    const max = `GREATEST(${logits.join(', ')})`;
    sql = `SELECT *, ${logits.map((logit, k) => `EXP(${logit} - ${max}) AS ${exps[k]}`).join(', ')} FROM (${sql}) AS ${PREFIX}_logits`;
    const select = queryOptions.select ?? modelInputs.map((input) => sqlIdentifier(input.name, dialect));
    const total = exps.join(' + ');
    const outputs = [
      `CASE WHEN ${PREFIX}_valid THEN ${argmax(model.labels, (m, k) => `${logits[m]} - ${logits[k]}`, dialect)} ELSE NULL END AS prediction`,
      ...model.labels.map((label, k) => `CASE WHEN ${PREFIX}_valid THEN ${exps[k]} / (${total}) ELSE NULL END AS ${sqlIdentifier(`probability_${label}`, dialect)}`),
    ];
    return `SELECT ${[...select, ...outputs].join(', ')} FROM (${sql}) AS ${PREFIX}_scored`;
  };

  const invalidReason = reasons.length === 0 ? 'CAST(NULL AS STRING)' : `CASE WHEN ${valid} THEN CAST(NULL AS STRING) ELSE CONCAT_WS('; ', ${reasons.join(', ')}) END`;
  return { featureNames: modelInputs.map((input) => input.name), labels: [...model.labels], probabilities, prediction, valid, invalidReason, query, layered };
}

/** act(b + Σ w·in) for each unit of a hidden layer. */
function layerExpressions(layer: DenseLayerDescription, inputs: readonly string[]): string[] {
  return Array.from({ length: layer.units }, (_, j) => activate(layer.activation, linear(layer.bias[j]!, inputs, (i) => layer.kernel[i * layer.units + j]!)));
}

function linear(bias: number, inputs: readonly string[], weight: (input: number) => number): string {
  return `(${[sqlDouble(bias), ...inputs.map((input, i) => `${sqlDouble(weight(i))} * ${input}`)].join(' + ')})`;
}

function activate(activation: DenseLayerDescription['activation'], x: string): string {
  switch (activation) {
    case 'relu':
      return `GREATEST(${x}, 0E0)`;
    case 'tanh':
      return `TANH(${x})`;
    case 'sigmoid':
      return `(5E-1 * TANH(5E-1 * ${x}) + 5E-1)`;
    default:
      throw new MlopsError('INVALID_ARGUMENT', `Cannot compile activation "${activation}" of a hidden layer to SQL; expected relu, tanh or sigmoid`);
  }
}

/**
 * Label k wins when o_k ≥ o_m for every later m, the earlier labels having lost: the first of
 * equal maxima wins, as numpy's argmax and Classifier.predictLabels. `difference(m, k)` is o_m − o_k.
 */
function argmax(labels: readonly string[], difference: (m: number, k: number) => string, dialect: SqlDialect): string {
  const last = labels.length - 1;
  const branches = labels.slice(0, last).map((label, k) => {
    const conditions = labels.slice(k + 1).map((_, offset) => `${difference(k + 1 + offset, k)} <= 0E0`);
    return `WHEN ${conditions.join(' AND ')} THEN ${sqlString(label, dialect)}`;
  });
  return `CASE ${branches.join(' ')} ELSE ${sqlString(labels[last]!, dialect)} END`;
}

function checkDescription(model: ClassifierDescription): void {
  const output = model.layers[model.layers.length - 1];
  if (output === undefined || output.activation !== 'softmax' || output.units !== model.labels.length) {
    throw new MlopsError('INVALID_ARGUMENT', `Only dense classifiers ending in a softmax layer of one unit per label (${model.labels.length}) compile to SQL`);
  }
  let inputs = model.featureNames.length;
  model.layers.forEach((layer, index) => {
    if (layer.inputUnits !== inputs || layer.kernel.length !== layer.inputUnits * layer.units || layer.bias.length !== layer.units) {
      throw new MlopsError('INVALID_ARGUMENT', `Layer ${index} has ${layer.inputUnits} inputs, ${layer.kernel.length} weights and ${layer.bias.length} biases for ${layer.units} units; expected ${inputs} inputs`);
    }
    if (index < model.layers.length - 1 && layer.activation === 'softmax') {
      throw new MlopsError('INVALID_ARGUMENT', `Layer ${index} is a hidden softmax layer, which does not compile to SQL`);
    }
    inputs = layer.units;
  });
}
