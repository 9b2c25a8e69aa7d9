/**
 * The item table in shared/storage/schema.ts is true: every item kind the ledger writes has a row,
 * and each row's keys are what the key templates (ITEM_KEYS) build.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ITEM_KEYS } from "../../../shared/storage/schema.ts";

interface Row {
  readonly PK: string;
  readonly SK: string;
  readonly GSI1: string;
  readonly GSI2: string;
}

function documentedRows(): Map<string, Row> {
  const source = readFileSync(new URL("../../../shared/storage/schema.ts", import.meta.url), "utf8");
  const rows = new Map<string, Row>();
  for (const match of source.matchAll(
    /^ \* \| [^|(]+\((\w+)\)\s*\|([^|]*)\|([^|]*)\|([^|]*)\|([^|]*)\|$/gm,
  )) {
    const [, entity, pk, sk, gsi1, gsi2] = match as unknown as string[];
    if (entity === "entity") {
      continue; // the header
    }
    rows.set(entity!, { PK: pk!.trim(), SK: sk!.trim(), GSI1: gsi1!.trim(), GSI2: gsi2!.trim() });
  }
  return rows;
}

/** The entity names the ledger writes: the second argument of every toItem(…) and this.put(…). */
function writtenEntities(): Set<string> {
  const source = readFileSync(new URL("../../../shared/storage/dynamo-ledger.ts", import.meta.url), "utf8");
  return new Set([...source.matchAll(/(?:toItem|this\.put)\([^"]*?"(\w+)",/g)].map((match) => match[1]!));
}

const K = ITEM_KEYS;
/** Each kind's keys built from the templates with the table's placeholders as arguments. */
const BUILT: Readonly<Record<string, Row>> = {
  organ: { ...K.organ("<organCode>"), GSI1: "", GSI2: "" },
  organCertificate: { ...K.organCertificate("<organCode>", "<sha256>"), GSI1: "", GSI2: "" },
  organSigner: { ...K.organSigner("<organCode>"), GSI1: "", GSI2: "" },
  apiKey: { ...K.apiKey("<sha256(key)>"), GSI1: "", GSI2: "" },
  trustAnchor: { ...K.trustAnchor("<sha256>"), GSI1: "", GSI2: "" },
  signingSession: { ...K.signingSession("<sessionId>"), GSI1: "", GSI2: "" },
  letter: {
    ...K.letter("<letterId>"),
    GSI1: "",
    GSI2: `${K.outbox("<sender>")} / ${K.outboxSort("<createdAt>", "<letterId>")}`,
  },
  delivery: {
    ...K.delivery("<letterId>", "<recipient>"),
    GSI1: `${K.inbox("<recipient>")} / ${K.inboxSort("<deliveredAt>", "<letterId>")}`,
    GSI2: "",
  },
  event: { ...K.event("<letterId>", "<at>", "<organCode>"), GSI1: "", GSI2: "" },
};

describe("the item table of shared/storage/schema.ts", () => {
  it("has a row for every item kind the ledger writes, and no other", () => {
    const written = writtenEntities();
    expect(written.size).toBe(9);
    expect([...documentedRows().keys()].sort()).toEqual([...written].sort());
  });

  it("documents the keys the templates build", () => {
    const rows = documentedRows();
    for (const [entity, built] of Object.entries(BUILT)) {
      expect(rows.get(entity), entity).toEqual(built);
    }
  });

  it("queries with the prefixes of the documented sort keys", () => {
    expect(K.trustAnchor("x").SK.startsWith(K.trustAnchors.SKPrefix)).toBe(true);
    expect(K.trustAnchor("x").PK).toBe(K.trustAnchors.PK);
    expect(K.delivery("d", "r").SK.startsWith(K.deliveries("d").SKPrefix)).toBe(true);
    expect(K.delivery("d", "r").PK).toBe(K.deliveries("d").PK);
  });
});
