import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as arrow from 'apache-arrow';
import { CSV_NULL_VALUES } from '../../src/stages/ingest/coerce.js';
import { parseSchema } from '../../src/stages/ingest/schema.js';

/** The shipped Palmer penguins CSV (CC0). */
export const PENGUINS_CSV = fileURLToPath(new URL('../../data/penguins/penguins.csv', import.meta.url));

/** The penguins' declared schema: species is the label, year is left out of the features. */
export const PENGUINS_SCHEMA = parseSchema(
  'species STRING NOT NULL LABEL, island STRING, bill_length_mm DOUBLE, bill_depth_mm DOUBLE, flipper_length_mm DOUBLE, body_mass_g DOUBLE, sex STRING, year BIGINT EXCLUDE',
);

/** The model's input columns, in the schema's order. */
export const PENGUINS_INPUTS = ['island', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex'];

/**
 * The shipped CSV as an Arrow table typed the way ingestion types it: an empty cell or one of
 * ingestion's null markers (NA, …) is null, numbers are DOUBLE, the rest text. The file has no
 * quoted cells, so splitting on commas reads it whole.
 */
export async function penguinsTable(): Promise<arrow.Table> {
  const [header, ...lines] = (await readFile(PENGUINS_CSV, 'utf8')).trim().split('\n').map((line) => line.split(','));
  const column = (name: string) => lines.map((cells) => cells[header!.indexOf(name)]!);
  const missing = (value: string) => value === '' || CSV_NULL_VALUES.has(value);
  const numbers = (name: string) => arrow.vectorFromArray(column(name).map((v) => (missing(v) ? null : Number(v))), new arrow.Float64());
  const strings = (name: string) => arrow.vectorFromArray(column(name).map((v) => (missing(v) ? null : v)), new arrow.Utf8());
  return new arrow.Table({
    species: strings('species'),
    island: strings('island'),
    bill_length_mm: numbers('bill_length_mm'),
    bill_depth_mm: numbers('bill_depth_mm'),
    flipper_length_mm: numbers('flipper_length_mm'),
    body_mass_g: numbers('body_mass_g'),
    sex: strings('sex'),
  });
}
