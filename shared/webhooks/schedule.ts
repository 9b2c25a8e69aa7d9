/**
 * When a failed webhook is tried again. The schedule is data: after the n-th failed attempt the
 * next one waits a delay drawn uniformly from window n (full jitter within the window, so endpoints
 * that failed together do not retry together). The windows grow roughly exponentially, and their
 * lower bounds alone add up to more than 24 hours, so however the jitter falls a receiver has
 * at least a day to come back before the message is parked in the dead-letter queue.
 */

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;

export interface RetryWindow {
  readonly minMs: number;
  readonly maxMs: number;
}

/** Attempt 1 is immediate; attempts 2..8 follow these windows; after attempt 8 fails: dead letter. */
export const RETRY_SCHEDULE: readonly RetryWindow[] = [
  { minMs: 5 * S, maxMs: 10 * S },
  { minMs: 5 * MIN, maxMs: 10 * MIN },
  { minMs: 30 * MIN, maxMs: 60 * MIN },
  { minMs: 2 * H, maxMs: 3 * H },
  { minMs: 5 * H, maxMs: 7 * H },
  { minMs: 10 * H, maxMs: 12 * H },
  { minMs: 14 * H, maxMs: 16 * H },
];

/** Bounds of the time from the first attempt to the last, over every jitter outcome. */
export function scheduleSpan(schedule: readonly RetryWindow[] = RETRY_SCHEDULE): {
  readonly minMs: number;
  readonly maxMs: number;
} {
  return {
    minMs: schedule.reduce((sum, w) => sum + w.minMs, 0),
    maxMs: schedule.reduce((sum, w) => sum + w.maxMs, 0),
  };
}

/**
 * The delay before the next attempt after `attempts` failed ones, or `undefined` when the
 * schedule is exhausted (park the message). `timeScale` compresses the schedule for tests
 * (e.g. 1e-5 turns ~2 days into about 2 seconds); production uses 1.
 *
 * @example
 * retryDelay(1); // 5000..10000
 * retryDelay(RETRY_SCHEDULE.length + 1); // undefined: dead letter
 */
export function retryDelay(
  attempts: number,
  options: {
    readonly schedule?: readonly RetryWindow[];
    readonly timeScale?: number;
    readonly random?: () => number;
  } = {},
): number | undefined {
  const window = (options.schedule ?? RETRY_SCHEDULE)[attempts - 1];
  if (window === undefined || attempts < 1) {
    return undefined;
  }
  const random = options.random ?? Math.random;
  const delay = window.minMs + random() * (window.maxMs - window.minMs);
  return Math.round(delay * (options.timeScale ?? 1));
}
