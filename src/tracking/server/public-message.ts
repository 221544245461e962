import { pathToFileURL } from 'node:url';

export interface ServerPath {
  /** An absolute folder of this machine (the store root, the artifacts destination). */
  path: string;
  /** What a client sees instead, e.g. "<tracking store>". */
  label: string;
}

/**
 * An error message as a client may see it: every mention of a server folder — as a path or as a
 * file URI — is replaced by its label, so a 404 says "Run 'x' not found in any experiment under
 * <tracking store>" and never shows where the store lives on this machine.
 */
export function hideServerPaths(message: string, paths: readonly ServerPath[]): string {
  const forms = paths
    .flatMap(({ path, label }) => {
      const trimmed = path.replace(/[\\/]+$/, '');
      return trimmed === '' ? [] : [{ text: pathToFileURL(trimmed).href, label }, { text: trimmed, label }];
    })
    // Longer first, so a folder inside another is replaced by its own label.
    .sort((a, b) => b.text.length - a.text.length);
  let result = message;
  for (const { text, label } of forms) result = result.split(text).join(label);
  return result;
}
