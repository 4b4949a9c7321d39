// A free TCP port, found by letting the kernel pick one for a throwaway listener. Between the probe closing
// and the server binding, the kernel could hand the same port to the next probe; ports given out recently by
// this process are therefore skipped, so servers started together by the local executor never collide with
// each other. (Another program could still take a port in that window; the server then fails to bind and
// the start error says so.)
import net from 'node:net';

const REUSE_AFTER_MS = 120_000;
const handedOut = new Map<number, number>(); // port -> when

export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  const now = Date.now();
  for (const [port, at] of handedOut) if (now - at > REUSE_AFTER_MS) handedOut.delete(port);
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await probeFreePort(host);
    if (handedOut.has(port)) continue;
    handedOut.set(port, now);
    return port;
  }
  throw new Error(`Expected a free port on ${host} not given out in the last ${REUSE_AFTER_MS / 1000} s, found none in 20 tries`);
}

function probeFreePort(host: string): Promise<number> {
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
