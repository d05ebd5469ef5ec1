/**
 * A small DER reader and writer: enough for certificate extensions, CSRs and PKCS#12.
 * node:crypto parses certificates but hides a few fields (signature algorithm, key
 * identifiers), and node-forge cannot handle EC keys, so the structures are handled here.
 */

export interface DerNode {
  /** Full identifier octet (class, constructed bit, tag number below 31). */
  tag: number;
  constructed: boolean;
  /** Content octets. */
  value: Buffer;
  /** Header plus content, as found in the input. */
  raw: Buffer;
  children: DerNode[];
}

export class DerError extends Error {}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Parses the DER element at the start of `buffer`; children are parsed for constructed elements. */
export function parseDer(buffer: Buffer): DerNode {
  return readNode(buffer, 0, 0).node;
}

/** Parses a whole buffer that must hold exactly one element. */
export function parseDerStrict(buffer: Buffer): DerNode {
  const {node, end} = readNode(buffer, 0, 0);
  if (end !== buffer.length) throw new DerError(`trailing ${buffer.length - end} bytes after the DER structure`);
  return node;
}

function readNode(buffer: Buffer, offset: number, depth: number): {node: DerNode; end: number} {
  if (depth > 64) throw new DerError('DER nesting too deep');
  if (offset + 2 > buffer.length) throw new DerError('truncated DER header');
  const tag = buffer[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported');
  let lengthByte = buffer[offset + 1];
  let cursor = offset + 2;
  let length: number;
  if (lengthByte < 0x80) {
    length = lengthByte;
  } else {
    lengthByte &= 0x7f;
    if (lengthByte === 0 || lengthByte > 4) throw new DerError('unsupported DER length');
    if (cursor + lengthByte > buffer.length) throw new DerError('truncated DER length');
    length = 0;
    for (let i = 0; i < lengthByte; i++) length = length * 256 + buffer[cursor + i];
    cursor += lengthByte;
  }
  const end = cursor + length;
  if (end > buffer.length) throw new DerError('truncated DER content');
  const value = buffer.subarray(cursor, end);
  const constructed = (tag & 0x20) !== 0;
  const children: DerNode[] = [];
  if (constructed) {
    let position = cursor;
    while (position < end) {
      const child = readNode(buffer, position, depth + 1);
      children.push(child.node);
      position = child.end;
    }
  }
  return {node: {tag, constructed, value, raw: buffer.subarray(offset, end), children}, end};
}

function decodeOid(value: Buffer): string {
  if (value.length === 0) throw new DerError('empty OID');
  const parts: number[] = [];
  let current = 0;
  for (const byte of value) {
    current = current * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(current);
      current = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}

/** Reads the OID of a node, failing with a clear error when it is something else. */
export function oidOf(node: DerNode | undefined): string {
  if (!node || node.tag !== TAG.OID) throw new DerError('expected an OBJECT IDENTIFIER');
  return decodeOid(node.value);
}

export function integerOf(node: DerNode | undefined): number {
  if (!node || node.tag !== TAG.INTEGER) throw new DerError('expected an INTEGER');
  if (node.value.length > 6) throw new DerError('INTEGER too large');
  let result = 0;
  for (const byte of node.value) result = result * 256 + byte;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Writer

/** A non-negative number as big-endian bytes, at least one. */
function bigEndian(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(rest & 0xff);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  return bytes;
}

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes = bigEndian(length);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Buffer | Buffer[]): Buffer {
  const body = Array.isArray(content) ? Buffer.concat(content) : content;
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

export const der = {
  sequence: (...items: Buffer[]): Buffer => tlv(TAG.SEQUENCE, items),
  /** DER sorts SET OF members by their encoding. */
  set: (...items: Buffer[]): Buffer => tlv(TAG.SET, [...items].sort(Buffer.compare)),
  octetString: (value: Buffer): Buffer => tlv(TAG.OCTET_STRING, value),
  bitString: (value: Buffer): Buffer => tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([0]), value])),
  null: (): Buffer => Buffer.from([TAG.NULL, 0]),
  boolean: (value: boolean): Buffer => Buffer.from([TAG.BOOLEAN, 1, value ? 0xff : 0]),
  integer(value: number): Buffer {
    const bytes = bigEndian(value);
    if (bytes[0] & 0x80) bytes.unshift(0);
    return tlv(TAG.INTEGER, Buffer.from(bytes));
  },
  oid(dotted: string): Buffer {
    const parts = dotted.split('.').map(Number);
    const bytes: number[] = [];
    const encode = (n: number): void => {
      const chunk: number[] = [n & 0x7f];
      let rest = Math.floor(n / 128);
      while (rest > 0) {
        chunk.unshift((rest & 0x7f) | 0x80);
        rest = Math.floor(rest / 128);
      }
      bytes.push(...chunk);
    };
    encode(parts[0] * 40 + parts[1]);
    for (const part of parts.slice(2)) encode(part);
    return tlv(TAG.OID, Buffer.from(bytes));
  },
  utf8: (value: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(value, 'utf8')),
  printable: (value: string): Buffer => tlv(TAG.PRINTABLE_STRING, Buffer.from(value, 'latin1')),
  bmp: (value: string): Buffer => tlv(TAG.BMP_STRING, Buffer.from(value, 'utf16le').swap16()),
  /** [n] EXPLICIT, a constructed context-specific wrapper; [n] IMPLICIT of a constructed value (SET OF) is encoded alike. */
  explicit: (n: number, content: Buffer): Buffer => tlv(0xa0 | n, content),
  /** [n] IMPLICIT for a primitive value. */
  implicitPrimitive: (n: number, value: Buffer): Buffer => tlv(0x80 | n, value),
  algorithm: (oid: string, parameters?: Buffer | null): Buffer =>
    der.sequence(der.oid(oid), ...(parameters === undefined ? [] : [parameters ?? der.null()])),
};
