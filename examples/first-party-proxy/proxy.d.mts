import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ProxyOptions {
  /** The collection endpoint to forward to, e.g. https://collect.example.com/e */
  target: string;
  /** The site's own path that the tracker posts to. @defaultValue '/t/e' */
  path?: string;
}

/** A node:http handler: true when it handled the request (it was for `path`), false otherwise. */
export function createProxy(options: ProxyOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
