// Types for collector.mjs, so TypeScript tests and harnesses can import it.

// The wire format's types are the SDK's own (one definition, in src/event.ts).
import type { WireBatch, WireEvent } from '../../src/event';
export type { WireBatch, WireEvent };

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
  /** Raw body text (for the GET pixel: the decoded `d` parameter); null if not read (413, preflight, 404…). */
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
}

export interface Collector {
  /** e.g. http://127.0.0.1:PORT/e */
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
  fault(fn: FaultHook | null): void;
  reset(): void;
  close(): Promise<void>;
}

export function startCollector(options?: CollectorOptions): Promise<Collector>;
export function formatEvent(event: WireEvent, site?: string): string;
