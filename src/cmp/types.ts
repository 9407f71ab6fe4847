/** What an adapter drives: the tracker, or anything with the same `consent` method. */
export interface ConsentTarget {
  consent(state: 'granted' | 'denied'): void;
}

/** Options shared by the adapters that poll for a CMP global that may load late. */
export interface WaitOptions {
  /**
   * How long (ms) to keep looking for a CMP that has not appeared yet.
   * After that the adapter gives up quietly; stop() is still safe to call.
   * @defaultValue 10000
   */
  timeout?: number;
}

/** Every adapter has this shape: follow the CMP until the returned stop() is called. */
export type Adapter<O = never> = (tracker: ConsentTarget, options?: O) => () => void;
