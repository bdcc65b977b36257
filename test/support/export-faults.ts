import fs from 'node:fs';

/** A marker written over cells of a partial export: kept by a resume, gone after a rewrite. */
export const SENTINEL = 'SENTINEL';

/**
 * Overwrites, at or after `from`, a run of cell bytes (no separator) with a same-length marker, so the CSV
 * stays valid; returns where, and what it replaced.
 */
export function writeSentinel(file: string, from: number): { at: number; original: Buffer } {
  const bytes = fs.readFileSync(file);
  for (let at = from; at + SENTINEL.length <= bytes.length; at++) {
    const original = Buffer.from(bytes.subarray(at, at + SENTINEL.length));
    if (/[,"\n\r]/.test(original.toString('latin1'))) continue;
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from(SENTINEL), 0, SENTINEL.length, at);
    fs.closeSync(fd);
    return { at, original };
  }
  throw new Error(`no place for a sentinel after byte ${from}`);
}
