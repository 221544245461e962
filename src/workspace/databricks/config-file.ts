import { MlopsError } from '../../errors.js';

/** A ~/.databrickscfg profile: lower-cased keys to values, as written. */
export type ConfigProfile = Record<string, string>;

/**
 * Parses the INI format of ~/.databrickscfg: `[profile]` sections of `key = value` lines, `#` and
 * `;` comments. Keys before the first section belong to DEFAULT, as in the Databricks SDKs.
 */
export function parseConfigFile(text: string, source: string): Map<string, ConfigProfile> {
  const profiles = new Map<string, ConfigProfile>();
  let current = 'DEFAULT';
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    if (line.startsWith('[')) {
      const end = line.indexOf(']');
      const name = end > 0 ? line.slice(1, end).trim() : '';
      if (name === '') {
        throw new MlopsError('CONFIG_INVALID', `${source} line ${index + 1}: expected a [profile] header, found ${JSON.stringify(line)}`, {
          details: { file: source, line: index + 1 },
        });
      }
      current = name;
      if (!profiles.has(current)) profiles.set(current, {});
      return;
    }
    const equals = line.indexOf('=');
    if (equals <= 0) {
      // Never echo the line: it may be a token pasted without its key.
      throw new MlopsError('CONFIG_INVALID', `${source} line ${index + 1}: expected "key = value" in profile [${current}]`, {
        details: { file: source, line: index + 1, profile: current },
      });
    }
    const key = line.slice(0, equals).trim().toLowerCase();
    const value = line.slice(equals + 1).trim();
    let profile = profiles.get(current);
    if (profile === undefined) {
      profile = {};
      profiles.set(current, profile);
    }
    profile[key] = value;
  });
  return profiles;
}
