import { Field, Float64, Schema, TimestampMillisecond, Utf8 } from 'apache-arrow';

/**
 * The fixed schema of batch predictions: the features as given, the predicted label, one
 * probability per class, and which model version produced the row and when.
 */
export function predictionSchema(featureNames: readonly string[], labels: readonly string[]): Schema {
  return new Schema([
    ...featureNames.map((name) => new Field(name, new Float64(), false)),
    new Field('prediction', new Utf8(), true),
    ...labels.map((label) => new Field(probabilityColumn(label), new Float64(), true)),
    new Field('model_name', new Utf8(), false),
    new Field('model_version', new Utf8(), false),
    new Field('scored_at', new TimestampMillisecond('UTC'), false),
  ]);
}

export function probabilityColumn(label: string): string {
  return `probability_${label}`;
}
