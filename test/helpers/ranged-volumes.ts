import type { VolumeStore } from '../../src/workspace/types.js';

/** Only VolumeStore's own methods (no localPath: nothing can take the local-disk shortcut), recording what each read served. */
export function rangedOnly(local: VolumeStore): { volumes: VolumeStore; wholeReads: string[]; rangeReads: { path: string; start: number; end: number; bytes: number }[] } {
  const wholeReads: string[] = [];
  const rangeReads: { path: string; start: number; end: number; bytes: number }[] = [];
  const volumes: VolumeStore = {
    read: (p, o) => {
      wholeReads.push(p);
      return local.read(p, o);
    },
    readRange: async (p, start, end, o) => {
      const bytes = await local.readRange(p, start, end, o);
      rangeReads.push({ path: p, start, end, bytes: bytes.byteLength });
      return bytes;
    },
    write: (p, d, o) => local.write(p, d, o),
    exists: (p, o) => local.exists(p, o),
    stat: (p, o) => local.stat(p, o),
    list: (p, o) => local.list(p, o),
    delete: (p, o) => local.delete(p, o),
    mkdirs: (p, o) => local.mkdirs(p, o),
  };
  return { volumes, wholeReads, rangeReads };
}
