import type * as arrow from 'apache-arrow';
import { encodeParquet } from '../../io/parquet-writer.js';
import type { CallOptions, VolumeStore } from '../../workspace/types.js';
import { joinVolumePath, partFileName } from './output.js';

/** Rows per row group inside a part: bounds the encoder's buffers and lets readers skip by row group. */
export const ROW_GROUP_ROWS = 262_144;

/**
 * The Parquet parts of one attempt in one folder: <folder>/<stem>.part-00000.parquet, -00001, …
 * Each part is encoded in memory and written with VolumeStore.write (atomic and durable), so a part
 * on the volume is always whole.
 */
export class PartSeries {
  readonly files: string[] = [];

  constructor(
    private readonly volumes: VolumeStore,
    private readonly folder: string,
    private readonly stem: string,
    private readonly call: CallOptions,
    private readonly afterWrite: (path: string) => Promise<void> | void = () => undefined,
  ) {}

  /** Writes the batches (one row group each) as the next part; returns its volume path. */
  async write(batches: readonly arrow.RecordBatch[]): Promise<string> {
    const path = joinVolumePath(this.folder, partFileName(this.stem, this.files.length));
    await this.volumes.write(path, await encodeParquet(batches, path, this.call.signal), { ...this.call, overwrite: true });
    this.files.push(path);
    await this.afterWrite(path);
    return path;
  }
}
