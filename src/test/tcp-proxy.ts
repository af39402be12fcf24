import net from 'node:net';

/**
 * A TCP proxy a test can cut and restore, to simulate a network outage between the service and
 * one of its backends (the queue) without stopping the backend itself.
 */
export interface TcpProxy {
  readonly port: number;
  /** Refuse new connections and drop existing ones. */
  cut(): Promise<void>;
  /** Accept connections again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const srv = net.createServer((client) => {
        const upstream = net.connect(targetPort, targetHost);
        sockets.add(client);
        sockets.add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream).pipe(client);
      });
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => {
        const addr = srv.address();
        if (addr && typeof addr === 'object') port = addr.port;
        server = srv;
        resolve();
      });
    });

  const stop = async () => {
    const srv = server;
    server = undefined;
    for (const s of sockets) s.destroy();
    sockets.clear();
    if (srv) await new Promise<void>((r) => srv.close(() => r()));
  };

  await listen();
  return {
    get port() {
      return port;
    },
    cut: stop,
    restore: listen,
    close: stop,
  };
}
