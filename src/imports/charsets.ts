import { Transform, type TransformCallback } from 'node:stream';

/**
 * The character sets an uploaded CSV may be declared in (`Content-Type: text/csv; charset=…`), and the
 * stream that turns one into UTF-8 as it arrives, refusing the first byte that is not text in it with the
 * line it is on. Stored files are always UTF-8, so the import activity reads one encoding only.
 */
export type Charset = 'UTF-8' | 'US-ASCII' | 'ISO-8859-1' | 'ISO-8859-15' | 'Windows-1252';

const LABELS: Record<string, Charset> = {
  'utf-8': 'UTF-8',
  utf8: 'UTF-8',
  'us-ascii': 'US-ASCII',
  ascii: 'US-ASCII',
  'iso-8859-1': 'ISO-8859-1',
  'iso8859-1': 'ISO-8859-1',
  iso_8859_1: 'ISO-8859-1',
  'iso_8859-1': 'ISO-8859-1',
  latin1: 'ISO-8859-1',
  'latin-1': 'ISO-8859-1',
  l1: 'ISO-8859-1',
  'iso-8859-15': 'ISO-8859-15',
  'iso8859-15': 'ISO-8859-15',
  'iso_8859-15': 'ISO-8859-15',
  latin9: 'ISO-8859-15',
  'latin-9': 'ISO-8859-15',
  'windows-1252': 'Windows-1252',
  cp1252: 'Windows-1252',
  'x-cp1252': 'Windows-1252',
};

/** The charset a label names (case and quotes ignored); UTF-8 when none is given; undefined if unknown. */
export function charsetOf(label: string | undefined): Charset | undefined {
  if (label === undefined) return 'UTF-8';
  return LABELS[label.trim().replace(/^"|"$/g, '').toLowerCase()];
}

export const SUPPORTED_CHARSETS: readonly Charset[] = [...new Set(Object.values(LABELS))];

/** Bytes that are not text in the declared charset: `line` is 1-based, counted in line feeds. */
export class UndecodableText extends Error {
  override name = 'UndecodableText';
  constructor(
    readonly line: number,
    readonly charset: Charset,
  ) {
    super(`line ${line} is not valid ${charset} text`);
  }
}

const LF = 0x0a;
/**
 * Windows-1252 is ISO-8859-1 but for 0x80-0x9F (written out here: Node 20's TextDecoder decodes it as
 * ISO-8859-1); the five bytes it leaves undefined are empty strings.
 */
const CP1252_HIGH = [...'€\0‚ƒ„…†‡ˆ‰Š‹Œ\0Ž\0\0‘’“”•–—˜™š›œ\0žŸ'].map((c) => (c === '\0' ? '' : c));
const CP1252_UNDEFINED = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);

function decodeCp1252(bytes: Buffer): string {
  let text = '';
  let from = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte < 0x80 || byte > 0x9f) continue;
    text += bytes.toString('latin1', from, i) + CP1252_HIGH[byte - 0x80]!;
    from = i + 1;
  }
  return text + bytes.toString('latin1', from);
}

const countLineFeeds = (bytes: Uint8Array, end = bytes.length) => {
  let n = 0;
  for (let i = bytes.indexOf(LF); i >= 0 && i < end; i = bytes.indexOf(LF, i + 1)) n++;
  return n;
};

/** Where the complete UTF-8 characters of `bytes` end: a sequence cut by the chunk's end is held back. */
function completeUtf8(bytes: Buffer): number {
  for (let i = bytes.length - 1, seen = 1; i >= 0 && seen <= 4; i--, seen++) {
    const byte = bytes[i]!;
    if (byte < 0x80) return bytes.length; // ASCII: everything before it is complete
    if (byte >= 0xc0) {
      const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return i + length > bytes.length ? i : bytes.length;
    }
  }
  return bytes.length; // only continuation bytes: invalid, and the decoder will say so
}

/**
 * A stream of the body's bytes in `charset` out as UTF-8. It fails with UndecodableText at the first byte
 * that is not text in that charset (a malformed or truncated UTF-8 sequence, an encoded surrogate, an
 * 8-bit byte in US-ASCII, a byte Windows-1252 leaves undefined). Memory: one chunk, plus at most three
 * bytes of a UTF-8 character split between chunks.
 */
export function decodeToUtf8(charset: Charset): Transform {
  let line = 1;
  let carry: Buffer = Buffer.alloc(0);
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const fail = (bytes: Uint8Array, at: number) => new UndecodableText(line + countLineFeeds(bytes, at), charset);

  /** UTF-8 checked whole; on failure, line by line (a line feed never sits inside a valid sequence). */
  const checkUtf8 = (bytes: Buffer): UndecodableText | undefined => {
    try {
      strict.decode(bytes);
      return undefined;
    } catch {
      for (let start = 0, lines = 0; start < bytes.length; lines++) {
        const end = bytes.indexOf(LF, start);
        const stop = end < 0 ? bytes.length : end + 1;
        try {
          strict.decode(bytes.subarray(start, stop));
        } catch {
          return new UndecodableText(line + lines, charset);
        }
        start = stop;
      }
      return new UndecodableText(line, charset);
    }
  };

  const single = charset === 'ISO-8859-15' ? new TextDecoder('iso-8859-15') : undefined;

  const convert = (chunk: Buffer): Buffer | UndecodableText => {
    switch (charset) {
      case 'UTF-8': {
        const bytes = carry.length ? Buffer.concat([carry, chunk]) : chunk;
        const end = completeUtf8(bytes);
        carry = Buffer.from(bytes.subarray(end));
        const complete = bytes.subarray(0, end);
        return checkUtf8(complete) ?? complete;
      }
      case 'US-ASCII': {
        const bad = chunk.findIndex((byte) => byte >= 0x80);
        return bad >= 0 ? fail(chunk, bad) : chunk;
      }
      case 'ISO-8859-1':
        return Buffer.from(chunk.toString('latin1'), 'utf8');
      case 'ISO-8859-15':
        return Buffer.from(single!.decode(chunk), 'utf8');
      case 'Windows-1252': {
        const bad = chunk.findIndex((byte) => CP1252_UNDEFINED.has(byte));
        return bad >= 0 ? fail(chunk, bad) : Buffer.from(decodeCp1252(chunk), 'utf8');
      }
    }
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      const out = convert(chunk);
      if (out instanceof UndecodableText) return callback(out);
      line += countLineFeeds(chunk);
      callback(null, out);
    },
    flush(callback: TransformCallback) {
      // A UTF-8 sequence the body ended in the middle of.
      if (carry.length) return callback(new UndecodableText(line, charset));
      callback();
    },
  });
}
