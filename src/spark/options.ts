/** A reader's or writer's option value, as PySpark takes them; Spark Connect carries strings. */
export type OptionValue = string | number | boolean;

/** Adds options to a reader's or writer's collected options, each value as the string Spark reads. */
export function collectOptions(into: Record<string, string>, options: Record<string, OptionValue>): void {
  for (const [key, value] of Object.entries(options)) into[key] = String(value);
}
