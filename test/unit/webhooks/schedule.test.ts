import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RETRY_SCHEDULE, retryDelay, scheduleSpan } from "../../../shared/webhooks/index.ts";

const HOUR = 3_600_000;

describe("the retry schedule", () => {
  it("spans at least 24 hours however the jitter falls, and at most three days", () => {
    const span = scheduleSpan();
    expect(span.minMs).toBeGreaterThanOrEqual(24 * HOUR);
    expect(span.maxMs).toBeLessThanOrEqual(72 * HOUR);
  });

  it("has growing windows: bounds never decrease, each window is well-formed, the first retry is seconds away", () => {
    expect(RETRY_SCHEDULE[0]!.minMs).toBeLessThanOrEqual(10_000);
    for (const [i, window] of RETRY_SCHEDULE.entries()) {
      expect(window.minMs).toBeGreaterThan(0);
      expect(window.maxMs).toBeGreaterThanOrEqual(window.minMs);
      const previous = RETRY_SCHEDULE[i - 1];
      if (previous !== undefined) {
        expect(window.minMs).toBeGreaterThanOrEqual(previous.minMs);
        expect(window.maxMs).toBeGreaterThanOrEqual(previous.maxMs);
      }
    }
    // Backoff, not a fixed interval: the last wait is thousands of times the first.
    expect(RETRY_SCHEDULE.at(-1)!.minMs / RETRY_SCHEDULE[0]!.minMs).toBeGreaterThan(1000);
  });

  it("draws every delay inside its window, over the whole window, scaled by the time base", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: RETRY_SCHEDULE.length }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.constantFrom(1, 0.5, 1e-5),
        (attempts, r, timeScale) => {
          const window = RETRY_SCHEDULE[attempts - 1]!;
          const delay = retryDelay(attempts, { random: () => r, timeScale })!;
          expect(delay).toBeGreaterThanOrEqual(Math.floor(window.minMs * timeScale));
          expect(delay).toBeLessThanOrEqual(Math.ceil(window.maxMs * timeScale));
        },
      ),
    );
    const [lowest, highest] = [retryDelay(4, { random: () => 0 }), retryDelay(4, { random: () => 0.999999 })];
    expect(lowest).toBe(RETRY_SCHEDULE[3]!.minMs);
    expect(highest).toBeGreaterThan(RETRY_SCHEDULE[3]!.maxMs - 100);
  });

  it("jitters with the random source: delays of one attempt differ", () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelay(3)));
    expect(delays.size).toBeGreaterThan(40);
  });

  it("ends after the last window: the next failure goes to the dead-letter queue", () => {
    expect(retryDelay(RETRY_SCHEDULE.length)).toBeDefined();
    expect(retryDelay(RETRY_SCHEDULE.length + 1)).toBeUndefined();
    expect(retryDelay(0)).toBeUndefined();
  });
});
