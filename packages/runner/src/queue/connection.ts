// The Redis behind a queue: `--queue redis://HOST:PORT[/DB]` (rediss:// for TLS), checked before anything
// is enqueued, so a wrong address is one coded error rather than a hang.
import { Redis } from 'ioredis';
import { CpiError } from '@cpi-bench/schemas';

/** BullMQ's queue name unless --name says otherwise. @default 'cpi-bench' */
export const DEFAULT_QUEUE_NAME = 'cpi-bench';
/** How long to wait for Redis before giving up. */
const CONNECT_TIMEOUT_MS = 5_000;

/** Parses a queue URL; CPI_BAD_OPTION when it is not a redis:// or rediss:// URL. */
export function parseQueueUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CpiError('CPI_BAD_OPTION', `--queue ${value} is not a URL`, { hint: 'pass --queue redis://HOST:PORT' });
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new CpiError('CPI_BAD_OPTION', `--queue ${value} is not a redis:// URL`, { hint: 'pass --queue redis://HOST:PORT (BullMQ keeps its queue in Redis)' });
  }
  return url;
}

/**
 * A connected client (BullMQ workers need `maxRetriesPerRequest: null`: a blocking call must wait out a
 * Redis restart rather than fail). CPI_QUEUE_UNREACHABLE when Redis does not answer.
 */
export async function connectQueue(value: string): Promise<Redis> {
  const url = parseQueueUrl(value);
  const client = new Redis(url.toString(), { maxRetriesPerRequest: null, lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, retryStrategy: () => null });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new CpiError('CPI_QUEUE_UNREACHABLE', `cannot reach Redis at ${url.host}: ${(error as Error).message}`, {
      hint: 'start redis-server there (or pass the right --queue redis://HOST:PORT)',
      cause: error,
    });
  }
  // After the first contact, reconnect as long as it takes: a worker outlives a Redis restart.
  client.options.retryStrategy = (times: number) => Math.min(times * 200, 5_000);
  return client;
}
