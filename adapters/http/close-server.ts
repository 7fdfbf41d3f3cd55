import type { Server } from 'node:http';

/** Stop accepting, let in-flight requests finish (10 s at most), then drop idle keep-alive sockets. */
export async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((ok) => server.close(() => ok()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), 10_000);
  await closed;
  clearTimeout(timer);
}
