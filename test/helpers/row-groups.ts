import * as arrow from 'apache-arrow';
import { parquetMetadata } from 'hyparquet';
import * as pq from '../../src/io/parquet-wasm.js';

/** Parquet bytes with a row group every `rowsPerGroup` rows, as Spark writes large files (our tableToParquet writes one). */
export function parquetWithRowGroups(table: arrow.Table, rowsPerGroup: number): Uint8Array {
  const properties = new pq.WriterPropertiesBuilder().setMaxRowGroupSize(rowsPerGroup).setCompression(pq.Compression.SNAPPY).build();
  return pq.writeParquet(pq.Table.fromIPCStream(arrow.tableToIPC(table, 'stream')), properties);
}

/** Where each row group's column chunks lie in the file, [start, end), as an independent reader (hyparquet) sees them. */
export function rowGroupExtents(bytes: Uint8Array): { start: number; end: number }[] {
  const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  return metadata.row_groups.map((group) => {
    const chunks = group.columns.map((column) => {
      const meta = column.meta_data!;
      const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
      return { start, end: start + Number(meta.total_compressed_size) };
    });
    return { start: Math.min(...chunks.map((c) => c.start)), end: Math.max(...chunks.map((c) => c.end)) };
  });
}
