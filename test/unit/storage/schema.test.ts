/**
 * The item table in shared/storage/schema.ts is true: every item kind the adapters write has a row,
 * and each row's keys are what the key templates (ITEM_KEYS) build.
 */
import { readdirSync, readFileSync } from "node:fs";
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

/**
 * The item kinds: the ITEM_KEYS templates that build a whole primary key (the others build index
 * keys, sort-key parts or query prefixes). Every adapter builds its keys from ITEM_KEYS alone (the
 * last test), so these are the kinds written to the table.
 */
function itemKinds(): Set<string> {
  const kinds = new Set<string>();
  for (const [name, template] of Object.entries(ITEM_KEYS)) {
    const built: unknown =
      typeof template === "function"
        ? (template as (...args: string[]) => unknown)(...Array(template.length).fill("x"))
        : template;
    if (typeof built === "object" && built !== null && "PK" in built && "SK" in built) {
      kinds.add(name);
    }
  }
  return kinds;
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
    const kinds = itemKinds();
    expect(kinds.size).toBeGreaterThanOrEqual(9);
    expect([...documentedRows().keys()].sort()).toEqual([...kinds].sort());
  });

  it("documents the keys the templates build", () => {
    const rows = documentedRows();
    for (const [entity, built] of Object.entries(BUILT)) {
      expect(rows.get(entity), entity).toEqual(built);
    }
  });

  it("is the one place keys are built: no adapter writes a primary key by hand", () => {
    const dir = new URL("../../../shared/storage/", import.meta.url);
    for (const file of readdirSync(dir).filter((name) => name.endsWith(".ts") && name !== "schema.ts")) {
      const source = readFileSync(new URL(file, dir), "utf8");
      expect(source, file).not.toMatch(/\b(?:PK|SK)"?\s*:\s*`/);
    }
  });

  it("queries with the prefixes of the documented sort keys", () => {
    expect(K.trustAnchor("x").SK.startsWith(K.trustAnchors.SKPrefix)).toBe(true);
    expect(K.trustAnchor("x").PK).toBe(K.trustAnchors.PK);
    expect(K.delivery("d", "r").SK.startsWith(K.deliveries("d").SKPrefix)).toBe(true);
    expect(K.delivery("d", "r").PK).toBe(K.deliveries("d").PK);
  });
});
