import net from 'node:net';

/**
 * A network link the test controls, between a browser and the system on loopback: a TCP proxy that
 * can throttle what the client sends (a 3G uplink), cut every connection (a reset) and freeze (the
 * connections stay open and carry nothing, both ways, until thawed).
 */
export type LinkProxy = {
  url: string;
  /** Client-to-server bytes per second; null: as fast as loopback. */
  throttle(bytesPerSecond: number | null): void;
  /** Resets every open connection. */
  cut(): void;
  freeze(): void;
  thaw(): void;
  /** Client-to-server bytes passed so far. */
  readonly bytesUp: number;
  close(): Promise<void>;
};

const TICK_MS = 20;
/** A source is paused while this much of it waits to be passed on. */
const QUEUE_HIGH_WATER = 64 * 1024;

type Pending = { from: net.Socket; to: net.Socket; data: Buffer };

export async function startLinkProxy(target: string): Promise<LinkProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const up: Pending[] = [];
  const down: Pending[] = [];
  let rate: number | null = null;
  let frozen = false;
  let bytesUp = 0;

  const queued = (queue: Pending[], from: net.Socket) => queue.reduce((n, p) => (p.from === from ? n + p.data.length : n), 0);

  function pass(queue: Pending[], budget: number, counting: boolean): void {
    while (queue.length > 0 && budget > 0) {
      const next = queue[0]!;
      const part = next.data.subarray(0, budget);
      if (!next.to.destroyed) next.to.write(part);
      if (counting) bytesUp += part.length;
      budget -= part.length;
      next.data = next.data.subarray(part.length);
      if (next.data.length === 0) {
        queue.shift();
        if (queued(queue, next.from) < QUEUE_HIGH_WATER && !next.from.destroyed) next.from.resume();
      }
    }
  }

  const timer = setInterval(() => {
    if (frozen) return;
    pass(up, rate === null ? Number.MAX_SAFE_INTEGER : Math.max(1, Math.round((rate * TICK_MS) / 1000)), true);
    pass(down, Number.MAX_SAFE_INTEGER, false);
  }, TICK_MS);

  const relay = (queue: Pending[], from: net.Socket, to: net.Socket) => {
    from.on('data', (data: Buffer) => {
      queue.push({ from, to, data });
      if (queued(queue, from) >= QUEUE_HIGH_WATER) from.pause();
    });
  };

  const server = net.createServer((client) => {
    const upstream = net.connect({ host: hostname, port: Number(port) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        // What was still queued for a closed socket is dropped, as the network would.
        for (const queue of [up, down]) for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.from === s || queue[i]!.to === s) queue.splice(i, 1);
      });
    }
    relay(up, client, upstream);
    relay(down, upstream, client);
    const endOther = (other: net.Socket) => () => {
      const drained = setInterval(() => {
        if ([...up, ...down].some((p) => p.to === other)) return;
        clearInterval(drained);
        other.end();
      }, TICK_MS);
    };
    client.on('end', endOther(upstream));
    upstream.on('end', endOther(client));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;

  return {
    url: `http://127.0.0.1:${address.port}`,
    throttle: (bytesPerSecond) => {
      rate = bytesPerSecond;
    },
    cut: () => {
      for (const s of sockets) s.resetAndDestroy();
    },
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
    },
    get bytesUp() {
      return bytesUp;
    },
    close: async () => {
      clearInterval(timer);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
