/**
 * The fan-out benchmark's floor (issue 16): a bare TCP server, alone in its process, that writes one buffer of the
 * size of a real change frame to every connection with `socket.write` — no WebSocket, no store, no JSON. What it
 * costs per change is what the kernel charges for delivering 1,000 small writes on this machine: no server written
 * in Node can fan a change out faster. Speaks the same IPC as bench/flag-server.child.ts (`listening`, `change` →
 * `sent`, `memory`, `stop`); the clients are `KIND=floor` in bench/fan-out-clients.child.ts. The first 12 bytes of
 * each buffer carry the change number in ASCII.
 */
import net from 'node:net';
import { answerBenchmarkMessages } from './server-ipc.js';
import { FLOOR_FRAME_BYTES, FLOOR_NUMBER_BYTES } from './stream-clients.js';

const sockets = new Set<net.Socket>();
const server = net.createServer((socket) => {
  socket.setNoDelay(true); // as ws does
  sockets.add(socket);
  socket.on('error', () => socket.destroy());
  socket.on('close', () => sockets.delete(socket));
  socket.resume();
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address() as net.AddressInfo;
  process.send?.({ type: 'listening', port: address.port });
});
answerBenchmarkMessages({
  change(n) {
    const frame = Buffer.alloc(FLOOR_FRAME_BYTES, 0x20);
    frame.write(String(n).padStart(FLOOR_NUMBER_BYTES, ' '), 0, 'latin1');
    for (const socket of sockets) socket.write(frame);
  },
  stop() {
    for (const socket of sockets) socket.destroy();
    server.close(() => process.exit(0));
  },
});
