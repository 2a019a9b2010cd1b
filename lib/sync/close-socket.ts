import { WebSocket } from 'ws';

/** How long a close waits for the peer's close frame before dropping the socket. */
export const CLOSE_HANDSHAKE_MS = 1_000;

/**
 * Closes a WebSocket and resolves once it is fully closed: a close handshake with `code` when it is open, an abort
 * while it is still connecting, and a drop after {@link CLOSE_HANDSHAKE_MS} when the peer never answers (so neither
 * a client's nor a server's `close()` can hang on a dead peer). Both ends of the streaming protocol use it.
 * @internal
 */
export function closeSocket(socket: WebSocket, code: number, reason: string): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const dropTimer = setTimeout(() => socket.terminate(), CLOSE_HANDSHAKE_MS);
    socket.once('close', () => {
      clearTimeout(dropTimer);
      resolve();
    });
    if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
    else if (socket.readyState === WebSocket.OPEN) socket.close(code, reason);
  });
}
