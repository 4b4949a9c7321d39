import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { findFreePort } from '../../lib/engines/ports.ts';

test('ports handed out are bindable and never handed out twice', async () => {
  // One after another, as runLocal starts servers: each probe is closed before the next, so without the
  // memory of ports handed out the kernel may well return one twice in 200 tries.
  const ports: number[] = [];
  for (let i = 0; i < 200; i++) ports.push(await findFreePort());
  assert.is(new Set(ports).size, ports.length);
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(ports[0], '127.0.0.1', r));
  assert.is((server.address() as net.AddressInfo).port, ports[0]);
  await new Promise((r) => server.close(r));
});

test.run();
