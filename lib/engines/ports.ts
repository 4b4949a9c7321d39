// A free TCP port, found by letting the kernel pick one for a throwaway listener. There is a short window in
// which another process could take it before the server binds; a server that then fails to bind exits, and
// the start error says so.
import net from 'node:net';

export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen({ host, port: 0, exclusive: true }, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error(`Expected a free port on ${host}, got none`))));
    });
  });
}
