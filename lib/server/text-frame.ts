/**
 * One complete RFC 6455 §5.2 server-to-client text frame in one buffer: FIN + opcode 1 (`0x81`), unmasked
 * (a server never masks), the payload length in 7 bits (< 126), 16 bits (marker 126, < 65,536) or 64 bits
 * (marker 127), then the UTF-8 payload. Built once per change, it is written as is to every connection.
 */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  const headerBytes = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerBytes + length);
  frame[0] = 0x81;
  if (headerBytes === 2) {
    frame[1] = length;
  } else if (headerBytes === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(text, headerBytes, 'utf8');
  return frame;
}

/** The payload of a frame built by `textFrame` (a view, no copy): what `WebSocket.send` frames itself. */
export function textFramePayload(frame: Buffer): Buffer {
  const marker = frame[1];
  return frame.subarray(marker === 127 ? 10 : marker === 126 ? 4 : 2);
}
