import { Data, DataType, Message, RecordBatch, RecordBatchReader, Schema, Struct, Table, makeData, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import type { RecordBatch as RecordBatchHeader } from 'apache-arrow/ipc/metadata/message';
import { VectorLoader } from 'apache-arrow/visitor/vectorloader';
import { MlopsError } from '../errors.js';

/**
 * Decodes one Spark Connect ArrowBatch payload (an Arrow IPC stream: schema, then record
 * batches). Spark sends each batch with its own schema message; for a whole result, use one
 * ArrowBatchDecoder.
 */
export function decodeArrowBatch(data: Uint8Array, where: string): RecordBatch[] {
  return new ArrowBatchDecoder(where).decode(data);
}

/**
 * Decodes the ArrowBatch payloads of one result. Spark repeats the same schema message at the start
 * of every payload: this decoder parses it once and reuses it while the bytes are the same, reads
 * the record batches' buffers in place when they are 8-byte aligned (else copies each body once, as
 * apache-arrow's own reader does) and builds the batches with apache-arrow's VectorLoader, without a
 * RecordBatchReader per payload. Anything it does not handle itself (dictionaries, compressed bodies,
 * a payload without record batches) goes through RecordBatchReader as before, with the same result.
 */
export class ArrowBatchDecoder {
  readonly #where: string;
  #schemaBytes: Uint8Array | undefined;
  #schema: Schema | undefined;
  #struct: Struct | undefined;
  /** The last record batch header read in full, and the layout of the Data it gave. */
  #batchLayout: { schema: Schema; metadata: Uint8Array; bodyLength: number; root: DataLayout; customMetadata: Map<string, string> } | undefined;

  constructor(where: string) {
    this.#where = where;
  }

  decode(data: Uint8Array): RecordBatch[] {
    try {
      const fast = this.#decodeFast(data);
      return fast ?? RecordBatchReader.from(data).readAll();
    } catch (error) {
      throw new MlopsError('CORRUPT', `${this.#where}: an Arrow batch from the server could not be decoded: ${(error as Error).message}`, { cause: error });
    }
  }

  /** The batches of one IPC stream, or undefined when the payload needs the general reader. */
  #decodeFast(data: Uint8Array): RecordBatch[] | undefined {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const batches: RecordBatch[] = [];
    let schema: Schema | undefined;
    let pos = 0;
    while (pos + 4 <= data.byteLength) {
      let length = view.getInt32(pos, true);
      pos += 4;
      if (length === -1) {
        // The continuation marker (IPC format ≥ 0.15), then the metadata length.
        if (pos + 4 > data.byteLength) return undefined;
        length = view.getInt32(pos, true);
        pos += 4;
      }
      if (length === 0) break; // end of stream
      if (length < 0 || pos + length > data.byteLength) return undefined;
      const metadata = data.subarray(pos, pos + length);
      pos += length;
      if (schema === undefined) {
        // The first message must be the schema.
        schema = this.#schemaOf(metadata);
        if (schema === undefined) return undefined;
        continue;
      }
      const known = this.#batchLayout;
      if (known !== undefined && known.schema === schema && sameBytes(known.metadata, metadata)) {
        // The same record batch header as the last one (Spark's full batches all have the same row
        // count, so the same buffer layout): the same Data tree over this body's bytes.
        if (pos + known.bodyLength > data.byteLength) return undefined;
        const body = this.#body(data, pos, known.bodyLength);
        pos += known.bodyLength;
        batches.push(recordBatch(schema, buildData(known.root, body) as Data<Struct>, new Map(known.customMetadata)));
        continue;
      }
      const message = Message.decode(metadata);
      if (!message.isRecordBatch()) return undefined;
      const header = message.header() as RecordBatchHeader;
      if (header.compression != null) return undefined;
      const bodyLength = Number(message.bodyLength);
      if (pos + bodyLength > data.byteLength) return undefined;
      const body = this.#body(data, pos, bodyLength);
      pos += bodyLength;
      const children = new VectorLoader(body, header.nodes, header.buffers, new Map(), schema.metadataVersion, header.variadicBufferCounts).visitMany(schema.fields);
      const root = makeData({ type: this.#struct!, length: header.length, children });
      const layout = layoutOf(root, body);
      this.#batchLayout = layout === undefined ? undefined : { schema, metadata: metadata.slice(), bodyLength, root: layout, customMetadata: new Map(message.metadata) };
      batches.push(recordBatch(schema, root, message.metadata));
    }
    // A payload with a schema only (an empty result) is left to the general reader, which yields an empty batch.
    return batches.length > 0 ? batches : undefined;
  }

  /** The body at data[pos, pos + length), in place when it is 8-byte aligned (typed arrays need it), else copied once. */
  #body(data: Uint8Array, pos: number, length: number): Uint8Array {
    return (data.byteOffset + pos) % 8 === 0 ? data.subarray(pos, pos + length) : data.slice(pos, pos + length);
  }

  /** The schema of a schema message, parsed once while the server repeats the same bytes. */
  #schemaOf(metadata: Uint8Array): Schema | undefined {
    const known = this.#schemaBytes;
    if (known !== undefined && sameBytes(known, metadata)) return this.#schema;
    const message = Message.decode(metadata);
    if (!message.isSchema()) return undefined;
    const schema = message.header() as Schema;
    if (schema.dictionaries.size > 0) return undefined;
    this.#schemaBytes = metadata.slice();
    this.#schema = schema;
    this.#struct = new Struct(schema.fields);
    return schema;
  }
}

/** One buffer of a Data: a typed array at an offset of the batch body, or an empty array (shared). */
type BufferLayout = { ctor: new (buffer: ArrayBuffer, byteOffset: number, length: number) => ArrayBufferView & { length: number }; offset: number; length: number } | { empty: ArrayBufferView };

/** Where a Data tree's buffers lie in its batch body: enough to build the same tree over another body with the same header. */
interface DataLayout {
  type: DataType;
  offset: number;
  length: number;
  nullCount: number;
  /** valueOffsets, values, nullBitmap, typeIds (the order of Data's constructor). */
  buffers: (BufferLayout | undefined)[];
  children: DataLayout[];
}

const BUFFER_KEYS = ['valueOffsets', 'values', 'nullBitmap', 'typeIds'] as const;

/** The layout of `data` over `body`, or undefined when a buffer is neither in the body nor empty (or dictionaries, variadic buffers). */
function layoutOf(data: Data, body: Uint8Array): DataLayout | undefined {
  if (data.dictionary !== undefined || (data.variadicBuffers?.length ?? 0) > 0) return undefined;
  const buffers: (BufferLayout | undefined)[] = [];
  for (const key of BUFFER_KEYS) {
    const buffer = (data as unknown as Record<string, (ArrayBufferView & { length: number }) | undefined>)[key];
    if (buffer === undefined) buffers.push(undefined);
    else if (buffer.byteLength === 0) buffers.push({ empty: buffer });
    else if (buffer.buffer === body.buffer && buffer.byteOffset >= body.byteOffset && buffer.byteOffset + buffer.byteLength <= body.byteOffset + body.byteLength) {
      buffers.push({ ctor: buffer.constructor as never, offset: buffer.byteOffset - body.byteOffset, length: buffer.length });
    } else return undefined;
  }
  const children: DataLayout[] = [];
  for (const child of data.children) {
    const layout = layoutOf(child, body);
    if (layout === undefined) return undefined;
    children.push(layout);
  }
  return { type: data.type, offset: data.offset, length: data.length, nullCount: data.nullCount, buffers, children };
}

/** The Data tree of `layout` over `body`. */
function buildData(layout: DataLayout, body: Uint8Array): Data {
  const buffers = layout.buffers.map((b) => (b === undefined ? undefined : 'empty' in b ? b.empty : new b.ctor(body.buffer as ArrayBuffer, body.byteOffset + b.offset, b.length)));
  return new Data(layout.type, layout.offset, layout.length, layout.nullCount, buffers as never, layout.children.map((child) => buildData(child, body)));
}

/**
 * A RecordBatch of a decoded struct Data whose children all have the batch's length (as VectorLoader
 * and buildData give them). RecordBatch's constructor would check that and build a new Schema and a
 * new struct Data per batch (about half of the decoding time of a batch before V8 has optimised
 * it); this sets the same three fields the constructor sets (apache-arrow is pinned; test/spark/
 * arrow.test.ts compares the batches with apache-arrow's own reader).
 */
function recordBatch(schema: Schema, data: Data<Struct>, metadata: Map<string, string>): RecordBatch {
  const batch = Object.create(RecordBatch.prototype) as { schema: Schema; data: Data<Struct>; _metadata: Map<string, string> };
  batch.schema = schema;
  batch.data = data;
  batch._metadata = metadata;
  return batch as unknown as RecordBatch;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

/**
 * Where the first record batch's body starts inside a serialized ExecutePlanResponse that carries
 * an ArrowBatch (field 2; its `data`, field 2, is an Arrow IPC stream: schema message, then a record
 * batch message), read from the first bytes of the message; undefined when the prefix does not reach
 * that far or the message is something else. Lets the stream reader place the message so that the
 * Arrow buffers are 8-byte aligned and can be used in place.
 */
export function arrowBodyOffset(prefix: Uint8Array): number | undefined {
  const data = lengthDelimited(prefix, 0, prefix.byteLength, 2);
  if (data === undefined) return undefined;
  const batch = lengthDelimited(prefix, data.start, data.end, 2);
  if (batch === undefined) return undefined;
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  let pos = batch.start;
  // Two IPC messages' metadata (schema, then the batch's header): continuation, length, flatbuffer.
  for (let i = 0; i < 2; i++) {
    if (pos + 8 > prefix.byteLength || view.getInt32(pos, true) !== -1) return undefined;
    const length = view.getInt32(pos + 4, true);
    if (length <= 0) return undefined;
    pos += 8 + length;
  }
  return pos;
}

/** The bounds of the first length-delimited field `field` in buf[from, to), or undefined. */
function lengthDelimited(buf: Uint8Array, from: number, to: number, field: number): { start: number; end: number } | undefined {
  let pos = from;
  const varint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= to) return undefined;
      const byte = buf[pos++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    return undefined;
  };
  while (pos < to) {
    const tag = varint();
    if (tag === undefined) return undefined;
    const wire = tag & 7;
    if (wire === 0) {
      if (varint() === undefined) return undefined;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const length = varint();
      if (length === undefined) return undefined;
      // A field's start may be known before all its bytes are in the prefix.
      if (Math.floor(tag / 8) === field) return { start: pos, end: Math.min(pos + length, to) };
      pos += length;
    } else return undefined;
  }
  return undefined;
}

/**
 * Spark reads the indices of a dictionary-encoded Arrow column, not its values (apache-arrow's
 * tableFromArrays dictionary-encodes strings): such columns are sent decoded.
 */
export function withoutDictionaries(table: Table): Table {
  if (!table.schema.fields.some((field) => DataType.isDictionary(field.type))) return table;
  const columns: Record<string, Vector> = {};
  for (const field of table.schema.fields) {
    const vector = table.getChild(field.name)!;
    columns[field.name] = DataType.isDictionary(field.type) ? vectorFromArray([...vector], field.type.dictionary) : vector;
  }
  return new Table(columns);
}

/** A table as one Arrow IPC stream, as LocalRelation.data expects. */
export function encodeArrowStream(table: Table | RecordBatch[]): Uint8Array {
  const whole = Array.isArray(table) ? new Table(table) : table;
  return tableToIPC(withoutDictionaries(whole), 'stream');
}
