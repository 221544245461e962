import { Float64, makeData, RecordBatch, Struct, vectorFromArray, Utf8, type Data, type Schema } from 'apache-arrow';
import type { Classifier } from '../../model/classifier.js';
import { toFeatureMatrix } from '../features.js';
import { predictionSchema } from './output-schema.js';

export interface ScoreBatchContext {
  classifier: Classifier;
  featureNames: readonly string[];
  modelName: string;
  modelVersion: string;
  scoredAt: number;
  schema?: Schema;
  where: string;
}

/** Scores one input batch into one output batch of the prediction schema (pure, no I/O). */
export function scoreBatch(input: RecordBatch, ctx: ScoreBatchContext): RecordBatch {
  const schema = ctx.schema ?? predictionSchema(ctx.featureNames, ctx.classifier.labels);
  const rows = input.numRows;
  const { features } = toFeatureMatrix(input, ctx.featureNames, ctx.where);
  const labels = ctx.classifier.labels;
  const k = labels.length;
  const proba = rows === 0 ? new Float32Array(0) : ctx.classifier.predictProba(features, rows);
  const predicted = rows === 0 ? new Int32Array(0) : ctx.classifier.predictLabels(proba, rows);

  const children: Data[] = [];
  // The features are copied through at full precision from the input, not from the float32
  // matrix the model reads, so the output equals the input to the last bit.
  ctx.featureNames.forEach((name, j) => {
    const column = input.getChild(name)!;
    const col = column.type instanceof Float64 && column.data.length === 1 ? (column.data[0]!.values as Float64Array) : Float64Array.from(column, Number);
    children.push(makeData({ type: schema.fields[j]!.type, length: rows, data: col, nullCount: 0 }));
  });
  children.push(vectorFromArray(Array.from(predicted, (p) => labels[p]!), new Utf8()).data[0]!);
  for (let c = 0; c < k; c++) {
    const col = new Float64Array(rows);
    for (let r = 0; r < rows; r++) col[r] = proba[r * k + c]!;
    children.push(makeData({ type: schema.fields[ctx.featureNames.length + 1 + c]!.type, length: rows, data: col, nullCount: 0 }));
  }
  children.push(vectorFromArray(new Array<string>(rows).fill(ctx.modelName), new Utf8()).data[0]!);
  children.push(vectorFromArray(new Array<string>(rows).fill(ctx.modelVersion), new Utf8()).data[0]!);
  const stamps = new BigInt64Array(rows).fill(BigInt(ctx.scoredAt));
  children.push(makeData({ type: schema.fields[schema.fields.length - 1]!.type, length: rows, data: stamps, nullCount: 0 }));

  const struct = makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children });
  return new RecordBatch(schema, struct);
}
