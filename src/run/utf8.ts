/** Byte offsets that never split a UTF-8 character, for cutting output at a size limit. */

function isContinuationByte(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80;
}

/** The largest offset <= `offset` that starts a character (or `offset` itself on invalid UTF-8). */
export function charBoundaryAtOrBefore(bytes: Uint8Array, offset: number): number {
  // A UTF-8 character is at most 4 bytes, so at most 3 continuation bytes to step over.
  for (let i = offset; i > 0 && i >= offset - 3; i--) {
    if (!isContinuationByte(bytes[i])) return i;
  }
  return offset;
}

/** The smallest offset >= `offset` that starts a character (or `offset` itself on invalid UTF-8). */
export function charBoundaryAtOrAfter(bytes: Uint8Array, offset: number): number {
  for (let i = offset; i < bytes.length && i <= offset + 3; i++) {
    if (!isContinuationByte(bytes[i])) return i;
  }
  return Math.min(offset, bytes.length);
}
