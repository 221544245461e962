import type { CallOptions } from './client.js';
import type { SparkConnectClient } from './client.js';

/** spark.conf: the session's runtime configuration, as PySpark's RuntimeConfig. */
export class RuntimeConfig {
  readonly #client: SparkConnectClient;

  constructor(client: SparkConnectClient) {
    this.#client = client;
  }

  async set(key: string, value: string | number | boolean, options: CallOptions = {}): Promise<void> {
    await this.#client.config({ case: 'set', value: { pairs: [{ key, value: String(value) }] } }, options);
  }

  /** The value; `defaultValue` when unset; a key without a value and without a default fails on the server. */
  async get(key: string, defaultValue?: string, options: CallOptions = {}): Promise<string | undefined> {
    const response =
      defaultValue === undefined
        ? await this.#client.config({ case: 'get', value: { keys: [key] } }, options)
        : await this.#client.config({ case: 'getWithDefault', value: { pairs: [{ key, value: defaultValue }] } }, options);
    return response.pairs[0]?.value;
  }

  /** The value, or undefined when the key has none (no error). */
  async getOption(key: string, options: CallOptions = {}): Promise<string | undefined> {
    const response = await this.#client.config({ case: 'getOption', value: { keys: [key] } }, options);
    return response.pairs[0]?.value;
  }

  async getAll(prefix?: string, options: CallOptions = {}): Promise<Record<string, string>> {
    const response = await this.#client.config({ case: 'getAll', value: prefix === undefined ? {} : { prefix } }, options);
    return Object.fromEntries(response.pairs.map((pair) => [pair.key, pair.value ?? '']));
  }

  async unset(key: string, options: CallOptions = {}): Promise<void> {
    await this.#client.config({ case: 'unset', value: { keys: [key] } }, options);
  }

  async isModifiable(key: string, options: CallOptions = {}): Promise<boolean> {
    const response = await this.#client.config({ case: 'isModifiable', value: { keys: [key] } }, options);
    return response.pairs[0]?.value === 'true';
  }
}
