// Types for server.mjs, so TypeScript tests and harnesses can import it.

// The wire format's types are the SDK's own (one definition, in src/event.ts).
import type { WireBatch, WireEvent } from '../../src/event';
import type { RelayContext, VendorRequest } from '../../src/transport/util';
import type { IncomingMessage, ServerResponse } from 'node:http';
export type { WireBatch, WireEvent, RelayContext, VendorRequest };

/** Relay mode: where and how batches are forwarded. Fixed by the operator; nothing in a request changes it. */
export interface RelayOptions {
  /** Vendor name: loads `dist/transport/<vendor>.mjs` and calls its `to<Vendor>` mapping (e.g. 'posthog' → toPosthog). */
  vendor?: string;
  /** The vendor's host (an optional path prefix allowed), e.g. `https://eu.i.posthog.com`. Every request goes here, nowhere else. */
  host: string;
  /** The mapping's options, e.g. `{ apiKey: 'phc_…' }` (keys stay on the server, never in the page). */
  options?: Record<string, unknown>;
  /** A mapping to use instead of loading `vendor`'s (tests, your own vendor). */
  map?: (batch: WireBatch, options: any, relay?: RelayContext) => VendorRequest[];
  /**
   * Does the vendor drop duplicate event ids? If not, an event whose request got any HTTP status is never
   * forwarded again. Default: false for plausible, umami, matomo and any `map`; true otherwise.
   */
  dedupes?: boolean;
  /** ms to wait for each vendor request (default 5000); then the browser gets 504 and retries. */
  timeout?: number;
}

/** The JSON body of a 200 answer to a POST whose wrapper is valid. */
export interface CollectorAnswer {
  /** Valid events in the batch, duplicates included (they are already stored). */
  accepted: number;
  /** Invalid events, each with its id (null if it had none) and a short reason. */
  rejected: { id: string | null; error: string }[];
}

export interface ReceivedRequest {
  method: string | undefined;
  /** Path without the query string. */
  path: string;
  /** Only these two headers are kept; never an IP address. */
  headers: { 'content-type': string | undefined; origin: string | undefined };
  /** Raw body text (for the GET pixel: the decoded `d` parameter); null if not read (413, preflight, 404…), for an erasure request, and once an erasure removed an id or page view it held. */
  body: string | null;
  /** Status answered; null while pending or for a hung request. */
  status: number | null;
}

export type FaultResult =
  | undefined
  | void
  | { status: number; headers?: Record<string, string>; body?: string | object; delayMs?: number }
  | { hang: true }
  | { delayMs: number };

export type FaultHook = (req: { method: string; body: string; index: number }) => FaultResult | Promise<FaultResult>;

export interface CollectorOptions {
  /** 0 (default) = random free port. */
  port?: number;
  host?: string;
  /** NDJSON file to append each accepted new event to, as `{"site": …, ...event}`. */
  out?: string | null;
  /** true: print one line per accepted new event; a function: called instead. */
  log?: boolean | ((event: WireEvent, batch: WireBatch) => void);
  /** Largest accepted body in bytes (default 65536). */
  maxBody?: number;
  /** ms to receive a whole request (default 10000). */
  requestTimeout?: number;
  /** The one path that takes batches (default '/e'), e.g. '/t/e'. */
  path?: string;
  /** Relay mode: validate, then forward each batch to this vendor (see RelayOptions). */
  relay?: RelayOptions | null;
  /** Proxy addresses or CIDR ranges whose `X-Forwarded-For` is believed; otherwise the socket address is the client's. */
  trustProxy?: string[];
  /** Token bucket per client IP: `burst` requests at once, refilled at `rate` per second. Default (relay mode only): { rate: 5, burst: 60 }; false = off. */
  rateLimit?: { rate?: number; burst?: number } | false;
  /** Event store: `ndjson:<dir>`, `postgres://…`, or an opened store. A 2xx waits until it is durable; down = 503. With a store, nothing is kept in `events`/`batches`/`received`. */
  store?: string | object | null;
  /** Company resolver, e.g. createAsnResolver(): each stored event gets `company` / `network`, never the IP. */
  resolve?: ((ip: string) => { asn: number; organisation: string; kind: string; name?: string; domain?: string } | null) | null;
  /** Companies that asked not to be identified: stored without company data, their form domains dropped. */
  optOut?: { domains?: string[]; asns?: number[] };
  /** Delete stored events older than this many days, at start and hourly (0 = never). */
  retentionDays?: number;
  /** Serve GET /report and /report.json to requests carrying this token (Bearer or ?token=); off without it. At least 16 characters. */
  reportToken?: string | null;
  /** Demo only: `?demo=<persona>` on the endpoint pretends the visitor comes from one of DEMO_NETWORKS. */
  demo?: boolean;
}

export interface Collector {
  /** e.g. http://127.0.0.1:PORT/e (origin + path) */
  url: string;
  /** e.g. http://127.0.0.1:PORT */
  origin: string;
  port: number;
  /** Batches with a valid wrapper, in arrival order, as received (duplicates and rejected events included). */
  batches: WireBatch[];
  /** Stored events, each id once; `ts` corrected when the batch's `sent` shows a client clock off by over a minute. */
  events: WireEvent[];
  /** Every request, in arrival order. */
  received: ReceivedRequest[];
  /** Events dropped because their id was already seen. */
  readonly duplicates: number;
  /** The request handler, to mount in your own node:http server (e.g. for requests to /t/e). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  fault(fn: FaultHook | null): void;
  reset(): void;
  close(): Promise<void>;
  /** The event store, when one is configured. */
  store: object | null;
}

export function startCollector(options?: CollectorOptions): Promise<Collector>;
export const DEMO_NETWORKS: Readonly<Record<'university' | 'government' | 'enterprise' | 'consumer', string>>;
export function formatEvent(event: WireEvent, site?: string): string;
