import { randomInt, randomUUID } from "node:crypto";
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { OrganRecord } from "../../shared/exchange/admin-ports.ts";
import { foldText, organIdentifiers } from "../../shared/exchange/directory.ts";
import { organItem } from "../../shared/storage/admin-items.ts";
import { DynamoAdminStore } from "../../shared/storage/dynamo-admin.ts";
import { createDynamoClient } from "../../shared/storage/index.ts";
import { ITEM_KEYS } from "../../shared/storage/schema.ts";
import { adminClient, testStorageConfig } from "../support/exchange.ts";

/**
 * The directory's one uniqueness rule through HTTP on DynamoDB Local: no two organs share a
 * folded code, name or alias (NFKC, format characters, case and diacritics folded), whichever of
 * them comes first, except an organ merged into another; concurrent claims of one identifier
 * leave one winner; a merged organ's profile is frozen; organs written before claim items
 * existed are still seen, and claimed on their next change.
 */

interface Answer {
  readonly status: number;
  readonly body: {
    code?: string;
    detail?: string;
    successor?: string;
    items?: { code: string; name: string; aliases?: string[] }[];
  };
}

const freshCode = () =>
  `${randomInt(100, 999)}.${randomInt(10, 99)}.${randomInt(10, 99)}.K${String(randomInt(0, 99)).padStart(2, "0")}`;

const client = createDynamoClient(testStorageConfig());
const store = new DynamoAdminStore(client, testStorageConfig().tableName);

/** An admin request (the demo admin's key), answered whatever its status. */
const call = (method: string, path: string, body?: unknown): Promise<Answer> =>
  adminClient().request<Answer["body"]>(method, path, body);

async function organ(extra: object = {}): Promise<{ code: string; name: string }> {
  const code = freshCode();
  const name = `Cơ quan định danh ${randomUUID().slice(0, 8)}`;
  const created = await call("POST", "/v1/admin/organs", { code, name, ...extra });
  expect(created.status, created.body.detail).toBe(201);
  return { code, name };
}

const taken = (answer: Answer) => [answer.status, answer.body.code];
const TAKEN = [409, "ADMIN_ALIAS_TAKEN"];
const fullwidth = (text: string) => text.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));

describe("the uniqueness rule runs both ways", () => {
  it("an alias taken first keeps a new organ from using it as its code or name, and a rename too", async () => {
    const x = await organ();
    const futureCode = freshCode();
    const futureName = `Tên dự phòng ${randomUUID()}`;
    const aliased = await call("PUT", `/v1/admin/organs/${x.code}`, { aliases: [futureCode, futureName] });
    expect(aliased.status, aliased.body.detail).toBe(200);

    expect(taken(await call("POST", "/v1/admin/organs", { code: futureCode, name: "Cơ quan Z" }))).toEqual(
      TAKEN,
    );
    expect(taken(await call("POST", "/v1/admin/organs", { code: freshCode(), name: futureName }))).toEqual(
      TAKEN,
    );
    const other = await organ();
    expect(
      taken(await call("PUT", `/v1/admin/organs/${other.code}`, { name: futureName.toUpperCase() })),
    ).toEqual(TAKEN);
    // Nor another organ's name, as a new organ's name or a rename.
    expect(taken(await call("POST", "/v1/admin/organs", { code: freshCode(), name: x.name }))).toEqual(TAKEN);
    expect(taken(await call("PUT", `/v1/admin/organs/${other.code}`, { name: x.name }))).toEqual(TAKEN);

    // Dropped, the alias is free again: its claim was released.
    expect((await call("PUT", `/v1/admin/organs/${x.code}`, { aliases: [] })).status).toBe(200);
    const z = await call("POST", "/v1/admin/organs", { code: futureCode, name: futureName });
    expect(z.status, z.body.detail).toBe(201);
    const found = await call("GET", `/v1/organs?q=${encodeURIComponent(futureCode)}`);
    expect(found.body.items?.map((o) => o.code)).toEqual([futureCode]);
  });

  it("zero-width, soft-hyphen and fullwidth variants are the same identifier, and the search finds them", async () => {
    const b = await organ();
    const x = await organ();
    for (const alias of [
      `${b.name}\u200b`,
      b.name.replace(" ", " \u00ad"),
      `\u2060${b.name}`,
      fullwidth(b.code),
      fullwidth(b.name),
    ]) {
      const answer = await call("PUT", `/v1/admin/organs/${x.code}`, { aliases: [alias] });
      expect(taken(answer), JSON.stringify(alias)).toEqual(TAKEN);
    }
    expect(
      taken(await call("POST", "/v1/admin/organs", { code: freshCode(), name: `${b.name}\u200b` })),
    ).toEqual(TAKEN);
    const search = await call("GET", `/v1/organs?q=${encodeURIComponent(fullwidth(b.code))}`);
    expect(search.body.items?.map((o) => o.code)).toEqual([b.code]);
  });
});

describe("a merged organ", () => {
  it("keeps its profile: a new name, parent or aliases is refused naming the successor", async () => {
    const old = await organ();
    const heir = await organ();
    const parent = await organ();
    expect((await call("POST", `/v1/admin/organs/${old.code}/merge`, { successor: heir.code })).status).toBe(
      200,
    );
    for (const patch of [
      { name: `Đổi tên ${randomUUID()}` },
      { parent: parent.code },
      { aliases: ["x y z"] },
    ]) {
      const answer = await call("PUT", `/v1/admin/organs/${old.code}`, patch);
      expect([answer.status, answer.body.code, answer.body.successor]).toEqual([
        409,
        "ADMIN_ORGAN_INACTIVE",
        heir.code,
      ]);
    }
    // The heir holds the merged code; nobody else may, and a new organ may not take the merged name.
    const heirAliases = await call("PUT", `/v1/admin/organs/${heir.code}`, { aliases: [old.code, old.name] });
    expect(heirAliases.status, heirAliases.body.detail).toBe(200);
    const stranger = await organ();
    expect(taken(await call("PUT", `/v1/admin/organs/${stranger.code}`, { aliases: [old.code] }))).toEqual(
      TAKEN,
    );
    expect(taken(await call("POST", "/v1/admin/organs", { code: freshCode(), name: old.name }))).toEqual(
      TAKEN,
    );
  });
});

describe("concurrent claims", () => {
  it("of one alias by N organs: exactly one wins, the others are refused ADMIN_ALIAS_TAKEN", async () => {
    for (let round = 0; round < 3; round++) {
      const organs = await Promise.all(Array.from({ length: 5 }, () => organ()));
      const alias = `Ban chung ${randomUUID()}`;
      const answers = await Promise.all(
        organs.map((o) => call("PUT", `/v1/admin/organs/${o.code}`, { aliases: [alias] })),
      );
      const codes = answers.map((a) => (a.status === 200 ? 200 : a.body.code));
      expect(
        codes.filter((c) => c === 200),
        JSON.stringify(codes),
      ).toHaveLength(1);
      expect(
        codes.filter((c) => c !== 200),
        JSON.stringify(answers.map((a) => a.body.detail)),
      ).toEqual(Array(4).fill("ADMIN_ALIAS_TAKEN"));
    }
  });

  it("of one name by N new organs: exactly one is created", async () => {
    const name = `Cơ quan tranh chấp ${randomUUID()}`;
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => call("POST", "/v1/admin/organs", { code: freshCode(), name })),
    );
    expect(answers.map((a) => a.status).filter((s) => s === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status !== 201).map((a) => a.body.code)).toEqual(
      Array(4).fill("ADMIN_ALIAS_TAKEN"),
    );
  });
});

describe("an organ written before claim items existed", () => {
  it("is still seen by the rule, and its next change claims its identifiers", async () => {
    const code = freshCode();
    const name = `Cơ quan cũ ${randomUUID()}`;
    const legacy: OrganRecord = {
      code,
      name,
      aliases: [`Bí danh cũ ${randomUUID()}`],
      status: "active",
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    };
    await client.send(
      new PutItemCommand({ TableName: testStorageConfig().tableName, Item: organItem(legacy) }),
    );
    const claim = (id: string) =>
      client.send(
        new GetItemCommand({
          TableName: testStorageConfig().tableName,
          Key: marshall(ITEM_KEYS.organIdentifier(id)),
          ConsistentRead: true,
        }),
      );
    expect((await claim(foldText(name))).Item).toBeUndefined();
    const x = await organ();
    expect(
      taken(await call("PUT", `/v1/admin/organs/${x.code}`, { aliases: [legacy.aliases![0]!] })),
    ).toEqual(TAKEN);
    expect(taken(await call("POST", "/v1/admin/organs", { code: freshCode(), name }))).toEqual(TAKEN);

    expect(
      (await call("PUT", `/v1/admin/organs/${code}`, { contact: { phone: "0276 3822 000" } })).status,
    ).toBe(200);
    for (const id of organIdentifiers(legacy)) {
      expect((await claim(id)).Item?.["organCode"]?.S, id).toBe(code);
    }
  });
});

// The property: a model of the rule over generated sequences, checked against the exchange.

interface Model {
  code: string;
  name: string;
  aliases: string[];
  status: "active" | "merged";
  successor?: string;
}

type Op =
  | { kind: "create"; code: number; name: number; aliases: number[] }
  | { kind: "update"; organ: number; name?: number; aliases?: number[] }
  | { kind: "merge"; organ: number; into: number };

const VARIANTS = [
  (t: string) => t,
  (t: string) => t.toUpperCase(),
  (t: string) => `${t}\u200b`,
  (t: string) => t.replace(" ", " \u00ad"),
  fullwidth,
];
const texts = fc.record({ stem: fc.nat(7), variant: fc.nat(VARIANTS.length - 1) });
const textIndex = texts.map(({ stem, variant }) => stem * VARIANTS.length + variant);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("create" as const),
    code: fc.nat(3),
    name: textIndex,
    aliases: fc.array(textIndex, { maxLength: 2 }),
  }),
  fc.record(
    {
      kind: fc.constant("update" as const),
      organ: fc.nat(3),
      name: textIndex,
      aliases: fc.array(textIndex, { maxLength: 2 }),
    },
    { requiredKeys: ["kind", "organ"] },
  ),
  fc.record({ kind: fc.constant("merge" as const), organ: fc.nat(3), into: fc.nat(3) }),
);

function sharingAllowed(a: Pick<Model, "code" | "successor">, b: Pick<Model, "code" | "successor">): boolean {
  return a.successor === b.code || b.successor === a.code || (!!a.successor && a.successor === b.successor);
}

/** Whether `ids` may be given to organ `self` (undefined: a new organ) under the model. */
function free(model: Map<string, Model>, self: string | undefined, ids: Iterable<string>): boolean {
  return [...ids].every((id) =>
    [...model.values()].every(
      (other) =>
        (self !== undefined && (other.code === self || other.successor === self)) ||
        !organIdentifiers(other).has(id),
    ),
  );
}

describe("property: no two organs share a folded identifier", () => {
  it("over generated create/update/merge sequences with colliding and variant identifiers", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 3, maxLength: 7 }), async (ops) => {
        const token = randomUUID().slice(0, 8);
        // Stems: 4 names and the 4 codes of this run (as aliases, codes collide with later creates).
        const codes = Array.from({ length: 4 }, freshCode);
        const stems = [...Array.from({ length: 4 }, (_, i) => `Ban ${i}${token}`), ...codes];
        const text = (i: number) => VARIANTS[i % VARIANTS.length]!(stems[Math.floor(i / VARIANTS.length)]!);
        const model = new Map<string, Model>();
        for (const step of ops) {
          if (step.kind === "create") {
            const code = codes[step.code]!;
            const organ: Model = {
              code,
              name: text(step.name),
              aliases: step.aliases.map(text),
              status: "active",
            };
            const expected = !model.has(code) && free(model, undefined, organIdentifiers(organ));
            const answer = await call("POST", "/v1/admin/organs", {
              code,
              name: organ.name,
              aliases: organ.aliases,
            });
            expect(answer.status, `${JSON.stringify(step)} ${answer.body.detail}`).toBe(expected ? 201 : 409);
            if (expected) {
              model.set(code, organ);
            }
          } else if (step.kind === "update") {
            const code = codes[step.organ]!;
            const current = model.get(code);
            const patch = {
              ...(step.name !== undefined ? { name: text(step.name) } : {}),
              ...(step.aliases !== undefined ? { aliases: step.aliases.map(text) } : {}),
            };
            if (!current || Object.keys(patch).length === 0) {
              continue;
            }
            const next = { ...current, ...patch };
            const before = organIdentifiers(current);
            const added = [...organIdentifiers(next)].filter((id) => !before.has(id));
            const expected = current.status === "active" && free(model, code, added);
            const answer = await call("PUT", `/v1/admin/organs/${code}`, patch);
            expect(answer.status, `${JSON.stringify(step)} ${answer.body.detail}`).toBe(expected ? 200 : 409);
            if (expected) {
              model.set(code, next);
            } else if (current.status === "merged") {
              expect(answer.body.code).toBe("ADMIN_ORGAN_INACTIVE");
            } else {
              expect(answer.body.code).toBe("ADMIN_ALIAS_TAKEN");
            }
          } else {
            const [code, into] = [codes[step.organ]!, codes[step.into]!];
            const current = model.get(code);
            const heir = model.get(into);
            if (!current || !heir) {
              continue;
            }
            const expected = code !== into && current.status === "active" && heir.status === "active";
            const answer = await call("POST", `/v1/admin/organs/${code}/merge`, { successor: into });
            expect(answer.status, `${JSON.stringify(step)} ${answer.body.detail}`).toBe(expected ? 200 : 409);
            if (expected) {
              for (const organ of model.values()) {
                if (organ.successor === code) {
                  organ.successor = into;
                }
              }
              model.set(code, { ...current, status: "merged", successor: into });
              model.set(into, {
                ...heir,
                aliases: [...new Set([...heir.aliases, code, ...current.aliases])],
              });
            }
          }
          // The invariant, on what the exchange holds.
          const stored = (await Promise.all([...model.keys()].map((c) => store.getOrgan(c)))).map((o) => o!);
          for (const a of stored) {
            for (const b of stored) {
              if (a.code < b.code && !sharingAllowed(a, b)) {
                const shared = [...organIdentifiers(a)].filter((id) => organIdentifiers(b).has(id));
                expect(shared, `${a.code} and ${b.code}`).toEqual([]);
              }
            }
          }
        }
      }),
      { numRuns: 12 },
    );
  });
});
