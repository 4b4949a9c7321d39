// Kept-alive connections to one origin for the load client. Plain HTTP reads with `onread` into one buffer the
// pool owns: no Buffer per read and no stream machinery between the socket and the response parser, which
// cut the client's CPU per streamed token by about a third (bench/RESULTS.md, Load generator). TLS sockets
// use 'data' events (hosted APIs, where microseconds are not the point).
//
// Reuse is LIFO: the most recently freed socket goes out first, so the sockets left idle are the ones that age
// out; FIFO kept reusing the longest-idle ones, which a server's keep-alive timeout is about to close under us.
// Idle sockets are closed after IDLE_MS, below the 5 s keep-alive timeout of uvicorn and node:http, and they do
// not keep the process alive.
import net from 'node:net';
import tls from 'node:tls';

const IDLE_MS = 4000;
const READ_BUFFER_BYTES = 64 * 1024;

/** What a connection reports to whoever is using it. */
export interface ConnHandler {
  /** Bytes in buf[0, n); valid only during the call. */
  onData(buf: Uint8Array, n: number): void;
  /** The peer closed its side (EOF). */
  onEnd(): void;
  onError(err: NodeJS.ErrnoException): void;
}

export interface Conn {
  readonly socket: net.Socket;
  /** True when this connection carried an earlier request. */
  readonly reused: boolean;
  handler: ConnHandler;
}

export interface PoolOptions {
  /** Extra TLS options (a private CA in tests); certificates are always verified. */
  tls?: tls.ConnectionOptions;
}

interface ConnState extends Conn {
  reused: boolean;
  idleTimer: NodeJS.Timeout | null;
  dead: boolean;
}

const idleHandler = (pool: ConnectionPool, c: ConnState): ConnHandler => ({
  // Anything from the server between requests (or its close) makes the socket unusable.
  onData: () => pool.discard(c),
  onEnd: () => pool.discard(c),
  onError: () => pool.discard(c),
});

export class ConnectionPool {
  private idle: ConnState[] = [];
  private all = new Set<ConnState>();
  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private readonly host: string;
  private readonly port: number;
  private readonly secure: boolean;
  private destroyed = false;

  constructor(
    readonly url: URL,
    private readonly options: PoolOptions = {},
  ) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`Expected an http:// or https:// URL, got ${url.href}`);
    this.secure = url.protocol === 'https:';
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = url.port ? Number(url.port) : this.secure ? 443 : 80;
  }

  /** Connections open now (busy or idle). */
  get size(): number {
    return this.all.size;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /** A kept-alive connection if one is idle (most recently used first), else a new one (writes queue until it connects). */
  acquire(handler: ConnHandler): Conn {
    if (this.destroyed) throw new Error('The connection pool was closed');
    const c = this.idle.pop();
    if (c) {
      if (c.idleTimer) clearTimeout(c.idleTimer);
      c.idleTimer = null;
      c.socket.ref();
      c.reused = true;
      c.handler = handler;
      return c;
    }
    return this.open(handler);
  }

  /** A fresh connection, never a reused one. */
  acquireFresh(handler: ConnHandler): Conn {
    if (this.destroyed) throw new Error('The connection pool was closed');
    return this.open(handler);
  }

  /** Give back a connection whose response is complete and that may carry another request. */
  release(conn: Conn): void {
    const c = conn as ConnState;
    if (c.dead || this.destroyed || c.socket.destroyed || !c.socket.writable) return this.discard(c);
    c.handler = idleHandler(this, c);
    c.socket.unref();
    c.idleTimer = setTimeout(() => this.discard(c), IDLE_MS);
    c.idleTimer.unref();
    this.idle.push(c);
  }

  /** Close a connection (after an error, a cancelled request, or a response that cannot be reused). */
  discard(conn: Conn): void {
    const c = conn as ConnState;
    if (c.idleTimer) clearTimeout(c.idleTimer);
    c.idleTimer = null;
    c.dead = true;
    const k = this.idle.indexOf(c);
    if (k >= 0) this.idle.splice(k, 1);
    this.all.delete(c);
    c.socket.destroy();
  }

  destroy(): void {
    this.destroyed = true;
    for (const c of [...this.all]) this.discard(c);
  }

  private open(handler: ConnHandler): ConnState {
    let c!: ConnState;
    let socket: net.Socket;
    if (this.secure) {
      const servername = net.isIP(this.host) ? undefined : this.host;
      socket = tls.connect({ host: this.host, port: this.port, servername, ALPNProtocols: ['http/1.1'], ...this.options.tls });
      socket.on('data', (b: Buffer) => c.handler.onData(b, b.length));
    } else {
      socket = net.connect({
        host: this.host,
        port: this.port,
        onread: {
          buffer: this.readBuffer,
          callback: (n: number, buf: Uint8Array) => {
            c.handler.onData(buf, n);
            return true;
          },
        },
      });
    }
    socket.setNoDelay(true);
    c = { socket, reused: false, handler, idleTimer: null, dead: false };
    socket.on('end', () => c.handler.onEnd());
    socket.on('error', (err: NodeJS.ErrnoException) => c.handler.onError(err));
    socket.on('close', () => {
      if (!c.dead) {
        // Closed without an error or EOF reaching the user (e.g. destroyed by the peer's RST after EOF).
        const h = c.handler;
        this.discard(c);
        h.onEnd();
      }
    });
    this.all.add(c);
    return c;
  }
}
