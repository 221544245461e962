// Pickle reader benchmark (issue #17): decoding time of one LONG4 integer must grow linearly
// with its size (it used to be quadratic: a 1 MB integer kept the CPU busy for minutes).
// For each size: a pickle `PROTO 4, LONG4 <n bytes>, STOP`, decoded `--repeat` times by `unpickle`
// (maxIntegerBytes raised so the 4 MB case is allowed); prints the median and the ratio to 1 MB.
// Also decodes 20M benign opcodes (NONE/POP pairs) as the per-opcode reference.
// Run `npm run build` first; then:
//   node bench/pickle.mjs [--repeat 5]
import os from 'node:os';

const dist = new URL('../dist/', import.meta.url);
const { unpickle } = await import(new URL('model/pickle/unpickle.js', dist).href);
const { PYTHON_BUILTINS_ALLOW_LIST } = await import(new URL('model/pickle/builtins.js', dist).href);

const repeat = process.argv[2] === '--repeat' ? Number(process.argv[3]) : 5;

function long4Pickle(length) {
  const bytes = new Uint8Array(8 + length);
  bytes.set([0x80, 4, 0x8b]);
  new DataView(bytes.buffer).setInt32(3, length, true);
  for (let i = 0; i < length; i++) bytes[7 + i] = (i * 131 + 7) & 0x7f;
  bytes[bytes.length - 1] = 0x2e;
  return bytes;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(bytes, limits) {
  const runs = [];
  unpickle(bytes, { allowList: PYTHON_BUILTINS_ALLOW_LIST, limits }); // warm-up
  for (let i = 0; i < repeat; i++) {
    const started = performance.now();
    unpickle(bytes, { allowList: PYTHON_BUILTINS_ALLOW_LIST, limits });
    runs.push(performance.now() - started);
  }
  return runs;
}

console.log(`node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; median of ${repeat}`);
const limits = { maxIntegerBytes: 16 * 1024 * 1024 };
let base;
for (const mb of [1, 2, 4, 8]) {
  const runs = time(long4Pickle(mb * 1024 * 1024), limits);
  const m = median(runs);
  base ??= m;
  console.log(`LONG4 of ${mb} MiB: median ${m.toFixed(1)} ms (runs ${runs.map((x) => x.toFixed(0)).join(', ')}), ratio to 1 MiB ${(m / base).toFixed(2)} (linear: ${mb})`);
}
const pairs = 10_000_000;
const ops = new Uint8Array(2 + pairs * 2 + 2);
ops.set([0x80, 2]);
for (let i = 0; i < pairs; i++) ops.set([0x4e, 0x30], 2 + i * 2);
ops.set([0x4e, 0x2e], 2 + pairs * 2);
const opRuns = time(ops, undefined);
console.log(`${pairs * 2} opcodes (NONE/POP): median ${median(opRuns).toFixed(0)} ms, ${((pairs * 2) / median(opRuns) / 1000).toFixed(1)} M opcodes/s`);
