import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ADMIN_CHAIN,
  appendEvent,
  type ChainEvent,
  type EventInput,
  eventHash,
  GENESIS,
  headOf,
  letterChain,
  verifyChain,
} from "../../../shared/evidence/chain.ts";

const CHAIN = letterChain("01JD6Z8Q4K7M2N3P5R6S7T8V9W");
const START = Date.parse("2026-12-01T01:00:00Z");

const inputArb = fc.record({
  type: fc.constantFrom("letter.sent", "delivery.status", "letter.recalled", "delivery.recall-answer"),
  actor: fc.constantFrom("exchange", "000.00.11.H53", "000.00.12.H53", "000.00.13.H53"),
  data: fc.record({ note: fc.string({ unit: "grapheme", maxLength: 12 }), n: fc.integer() }),
});

/** A valid chain of 1…10 events, one minute apart. */
const chainArb = fc.array(inputArb, { minLength: 1, maxLength: 10 }).map((inputs) => build(inputs, CHAIN));

function build(inputs: readonly Omit<EventInput, "chain" | "at">[], chain: string): ChainEvent[] {
  const events: ChainEvent[] = [];
  for (const [index, input] of inputs.entries()) {
    const previous = events[events.length - 1];
    const at = new Date(START + index * 60_000).toISOString();
    events.push(appendEvent(previous && headOf(previous), { ...input, chain, at }));
  }
  return events;
}

/** A copy of `event` with one field changed and the stored hash kept (an edit in the table). */
function editField(event: ChainEvent, field: string): ChainEvent {
  switch (field) {
    case "data":
      return { ...event, data: { ...event.data, n: Number(event.data.n) + 1 } };
    case "at":
      return { ...event, at: new Date(Date.parse(event.at) + 1000).toISOString() };
    case "actor":
      return { ...event, actor: `${event.actor}x` };
    case "type":
      return { ...event, type: `${event.type}.x` };
    case "seq":
      return { ...event, seq: event.seq + 1 };
    case "prev":
      return { ...event, prev: flipHex(event.prev) };
    case "chain":
      return { ...event, chain: ADMIN_CHAIN };
    default:
      return { ...event, hash: flipHex(event.hash) };
  }
}

function flipHex(hex: string): string {
  return (hex[0] === "0" ? "1" : "0") + hex.slice(1);
}

function rehash(event: ChainEvent): ChainEvent {
  return { ...event, hash: eventHash(event) };
}

describe("the audit chain: canonical events linked by SHA-256", () => {
  it("hashes the RFC 8785 encoding of the event without its hash", () => {
    const event = appendEvent(undefined, {
      chain: "letter:L1",
      at: "2026-12-01T01:00:00.000Z",
      type: "delivery.status",
      actor: "exchange",
      data: { status: "01", recipient: "000.00.12.H53", reason: "Đã đến" },
    });
    const expected =
      '{"actor":"exchange","at":"2026-12-01T01:00:00.000Z","chain":"letter:L1",' +
      '"data":{"reason":"Đã đến","recipient":"000.00.12.H53","status":"01"},' +
      `"prev":"${GENESIS}","seq":0,"type":"delivery.status"}`;
    expect(event.hash).toBe(createHash("sha256").update(expected, "utf8").digest("hex"));
    expect(event.prev).toBe(GENESIS);
    const second = appendEvent(headOf(event), { ...event, at: "2026-12-01T01:01:00.000Z" });
    expect(second).toMatchObject({ seq: 1, prev: event.hash });
  });

  it("refuses to append an event of another chain after a head", () => {
    const first = appendEvent(undefined, {
      chain: ADMIN_CHAIN,
      at: new Date(START).toISOString(),
      type: "organ.created",
      actor: "admin",
      data: {},
    });
    expect(() => appendEvent(headOf(first), { ...first, chain: CHAIN })).toThrow(
      expect.objectContaining({ code: "VALIDATION_FAILED" }),
    );
  });

  it("verifies untouched chains and returns their head", () => {
    fc.assert(
      fc.property(chainArb, (events) => {
        const result = verifyChain(events);
        expect(result).toEqual({ ok: true, head: headOf(events[events.length - 1]!), count: events.length });
        expect(verifyChain(events, { chain: CHAIN, expectedHead: headOf(events[0]!) }).ok).toBe(true);
      }),
    );
    expect(verifyChain([])).toEqual({ ok: true, head: undefined, count: 0 });
  });

  it("names an edited event CHANGED, whichever field was edited", () => {
    const fields = ["data", "at", "actor", "type", "seq", "prev", "chain", "hash"];
    fc.assert(
      fc.property(chainArb, fc.nat(), fc.constantFrom(...fields), (events, pick, field) => {
        const k = pick % events.length;
        const tampered = events.map((event, index) => (index === k ? editField(event, field) : event));
        const result = verifyChain(tampered, { chain: CHAIN });
        expect(result.ok).toBe(false);
        expect(!result.ok && result.problem).toMatchObject({ kind: "CHANGED", index: k });
      }),
    );
  });

  it("names an edited event CHANGED even when its hash was recomputed (the next link or the head tells)", () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), (events, pick) => {
        const k = pick % events.length;
        const tampered = events.map((event, index) =>
          index === k ? rehash(editField(event, "data")) : event,
        );
        const knownHead = headOf(events[events.length - 1]!);
        const result = verifyChain(tampered, { expectedHead: knownHead });
        expect(!result.ok && result.problem).toMatchObject({ kind: "CHANGED", index: k });
        if (k === events.length - 1) {
          // Without a known head, a rewritten newest event is a valid chain: why seals exist.
          expect(verifyChain(tampered).ok).toBe(true);
        }
      }),
    );
  });

  it("names a removed event REMOVED (the newest one against the known head)", () => {
    fc.assert(
      fc.property(chainArb, fc.nat(), (events, pick) => {
        const k = pick % events.length;
        const tampered = events.filter((_, index) => index !== k);
        const knownHead = headOf(events[events.length - 1]!);
        const result = verifyChain(tampered, { chain: CHAIN, expectedHead: knownHead });
        expect(!result.ok && result.problem).toMatchObject({ kind: "REMOVED", index: k });
        if (k < events.length - 1) {
          expect(!result.ok && result.problem.expected).toBe(`seq ${k}`);
          const alone = verifyChain(tampered);
          expect(!alone.ok && alone.problem).toMatchObject({ kind: "REMOVED", index: k });
        }
      }),
    );
  });

  it("names swapped events REORDERED at the first misplaced one", () => {
    fc.assert(
      fc.property(
        chainArb.filter((events) => events.length >= 2),
        fc.nat(),
        fc.nat(),
        (events, a, b) => {
          const i = a % events.length;
          const j = (i + 1 + (b % (events.length - 1))) % events.length;
          const tampered = [...events];
          [tampered[i], tampered[j]] = [tampered[j]!, tampered[i]!];
          const result = verifyChain(tampered);
          expect(!result.ok && result.problem).toMatchObject({ kind: "REORDERED", index: Math.min(i, j) });
        },
      ),
    );
  });

  it("names an inserted event INSERTED: a duplicate, a forgery that fits, another chain's, a broken one", () => {
    const kinds = ["duplicate", "forged", "foreign", "broken"] as const;
    fc.assert(
      fc.property(
        chainArb,
        fc.nat(),
        fc.nat(),
        fc.constantFrom(...kinds),
        inputArb,
        (events, at, from, kind, input) => {
          const p = at % events.length; // before an existing event
          const previous = events[p - 1];
          const forged = appendEvent(previous && headOf(previous), {
            ...input,
            chain: CHAIN,
            at: events[p]!.at,
          });
          const foreign = build([input, input], letterChain("OTHER"))[from % 2]!;
          const extra =
            kind === "duplicate"
              ? events[from % events.length]!
              : kind === "forged"
                ? forged
                : kind === "foreign"
                  ? foreign
                  : { ...forged, hash: flipHex(forged.hash) };
          const tampered = [...events.slice(0, p), extra, ...events.slice(p)];
          const result = verifyChain(tampered, { chain: CHAIN });
          expect(!result.ok && result.problem.kind).toBe("INSERTED");
          // The event named is the extra one (or an identical copy of it, for a duplicate).
          expect(!result.ok && tampered[result.problem.index]).toEqual(extra);
        },
      ),
    );
  });

  it("names events appended after a known head INSERTED when the chain must end there", () => {
    fc.assert(
      fc.property(chainArb, inputArb, (events, input) => {
        const last = events[events.length - 1]!;
        const appended = [...events, appendEvent(headOf(last), { ...input, chain: CHAIN, at: last.at })];
        expect(verifyChain(appended).ok).toBe(true);
        const result = verifyChain(appended, { expectedHead: headOf(last), endsAtExpectedHead: true });
        expect(!result.ok && result.problem).toMatchObject({ kind: "INSERTED", index: events.length });
      }),
    );
  });

  it("reports the problem with what was expected and what was found", () => {
    const events = build(
      [0, 1, 2].map((n) => ({ type: "delivery.status", actor: "exchange", data: { n } })),
      CHAIN,
    );
    const edited = events.map((event, index) => (index === 1 ? { ...event, data: { n: 9 } } : event));
    const result = verifyChain(edited);
    expect(result).toEqual({
      ok: false,
      problem: {
        kind: "CHANGED",
        index: 1,
        seq: 1,
        expected: `hash ${events[1]!.hash} (as stored)`,
        found: `hash ${eventHash(edited[1]!)} (recomputed)`,
        detail: "event 1 no longer matches its hash: it was changed",
      },
    });
    const wrongChain = verifyChain(events, { chain: ADMIN_CHAIN });
    expect(!wrongChain.ok && wrongChain.problem).toMatchObject({ index: 0 });
    const empty = verifyChain([], { expectedHead: headOf(events[2]!) });
    expect(!empty.ok && empty.problem.kind).toBe("REMOVED");
  });
});
