import { randomInt, randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { adminClient } from "../support/exchange.ts";

/**
 * The directory's shape through HTTP: a parent is never the organ itself nor one of its
 * descendants (a property over generated parent assignments: accepted iff the hierarchy stays
 * acyclic), aliases never name another organ (case and diacritics folded as the search folds),
 * and a merge chain X → Y → Z leaves every merged organ naming the active end of the chain.
 */

interface Answer {
  readonly status: number;
  readonly body: {
    code?: string;
    detail?: string;
    status?: string;
    successor?: string;
    parent?: string;
    items?: { code: string; successor?: string; status: string }[];
  };
}

const freshCode = () =>
  `${randomInt(100, 999)}.${randomInt(10, 99)}.${randomInt(10, 99)}.G${String(randomInt(0, 99)).padStart(2, "0")}`;

/** An admin request (the demo admin's key), answered whatever its status. */
const call = (method: string, path: string, body?: unknown): Promise<Answer> =>
  adminClient().request<Answer["body"]>(method, path, body);

async function organ(
  name = `Cơ quan đồ thị ${randomUUID().slice(0, 8)}`,
  extra: object = {},
): Promise<string> {
  const code = freshCode();
  const created = await call("POST", "/v1/admin/organs", { code, name, ...extra });
  expect(created.status, created.body.detail).toBe(201);
  return code;
}

/** Whether giving `child` the parent `parent` keeps the model's hierarchy acyclic. */
function acyclicWith(parents: Map<number, number>, child: number, parent: number): boolean {
  let at: number | undefined = parent;
  for (let steps = 0; at !== undefined && steps <= parents.size + 1; steps++) {
    if (at === child) {
      return false;
    }
    at = parents.get(at);
  }
  return true;
}

describe("an organ's parent", () => {
  it("is not the organ itself (409, not 500)", async () => {
    const p = await organ();
    const self = await call("PUT", `/v1/admin/organs/${p}`, { parent: p });
    expect([self.status, self.body.code]).toEqual([409, "ADMIN_ORGAN_PARENT_CYCLE"]);
  });

  it("is not one of its descendants: P ↔ Q refused", async () => {
    const p = await organ();
    const q = await organ(undefined, { parent: p });
    const cycle = await call("PUT", `/v1/admin/organs/${p}`, { parent: q });
    expect([cycle.status, cycle.body.code]).toEqual([409, "ADMIN_ORGAN_PARENT_CYCLE"]);
  });

  it("generated assignments are accepted iff the hierarchy stays acyclic", async () => {
    const size = 5;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(size - 1), fc.nat(size - 1)), { minLength: 1, maxLength: 8 }),
        async (assignments) => {
          const codes: string[] = [];
          for (let i = 0; i < size; i++) {
            codes.push(await organ());
          }
          const parents = new Map<number, number>();
          for (const [child, parent] of assignments) {
            const expected = acyclicWith(parents, child, parent);
            const answer = await call("PUT", `/v1/admin/organs/${codes[child]}`, { parent: codes[parent] });
            if (expected) {
              expect([answer.status, answer.body.parent], answer.body.detail).toEqual([200, codes[parent]]);
              parents.set(child, parent);
            } else {
              expect([answer.status, answer.body.code]).toEqual([409, "ADMIN_ORGAN_PARENT_CYCLE"]);
            }
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it("is an active organ", async () => {
    const gone = await organ();
    await call("POST", `/v1/admin/organs/${gone}/deactivate`);
    const child = await organ();
    const answer = await call("PUT", `/v1/admin/organs/${child}`, { parent: gone });
    expect([answer.status, answer.body.code]).toEqual([409, "ADMIN_ORGAN_INACTIVE"]);
  });
});

describe("an alias", () => {
  it("may not equal another organ's code, name or alias, whatever the case and diacritics", async () => {
    const name = `Sở Thử nghiệm Đồng Tháp ${randomUUID().slice(0, 6)}`;
    const other = await organ(name, { aliases: [`STN ${name.slice(-6)}`] });
    const mine = await organ();
    const taken = [
      other,
      other.toLowerCase(),
      name,
      name.toUpperCase(),
      name
        .normalize("NFD")
        .replace(/\p{M}+/gu, "")
        .replaceAll("Đ", "D"),
      `  ${name.replaceAll(" ", "   ")} `,
      `stn ${name.slice(-6)}`,
    ];
    for (const alias of taken) {
      const update = await call("PUT", `/v1/admin/organs/${mine}`, { aliases: [alias] });
      expect([update.status, update.body.code], alias).toEqual([409, "ADMIN_ALIAS_TAKEN"]);
    }
    const created = await call("POST", "/v1/admin/organs", {
      code: freshCode(),
      name: `Mạo danh ${randomUUID()}`,
      aliases: [name],
    });
    expect([created.status, created.body.code]).toEqual([409, "ADMIN_ALIAS_TAKEN"]);
    // Its own code and name, and a free alias, are fine.
    const free = await call("PUT", `/v1/admin/organs/${mine}`, {
      aliases: [mine, `Tên riêng ${randomUUID()}`],
    });
    expect(free.status).toBe(200);
  });

  it("may name an organ merged into this one (a merge makes that code an alias)", async () => {
    const old = await organ();
    const heir = await organ();
    await call("POST", `/v1/admin/organs/${old}/merge`, { successor: heir });
    const update = await call("PUT", `/v1/admin/organs/${heir}`, {
      aliases: [old, `Tên cũ ${randomUUID()}`],
    });
    expect(update.status, update.body.detail).toBe(200);
  });
});

describe("a merge chain", () => {
  it("X → Y then Y → Z leaves X naming Z; merging into a merged organ is refused naming its successor", async () => {
    const [x, y, z] = [await organ(), await organ(), await organ()];
    expect((await call("POST", `/v1/admin/organs/${x}/merge`, { successor: y })).status).toBe(200);
    const intoMerged = await call("POST", `/v1/admin/organs/${z}/merge`, { successor: x });
    expect([intoMerged.status, intoMerged.body.code, intoMerged.body.successor]).toEqual([
      409,
      "ADMIN_ORGAN_INACTIVE",
      y,
    ]);
    expect((await call("POST", `/v1/admin/organs/${y}/merge`, { successor: z })).status).toBe(200);
    const found = await call("GET", `/v1/organs?q=${encodeURIComponent(x)}&limit=100`);
    const byCode = new Map(found.body.items?.map((o) => [o.code, o]));
    expect(byCode.get(x)).toMatchObject({ status: "merged", successor: z });
    expect(byCode.get(y)).toMatchObject({ status: "merged", successor: z });
    expect(byCode.get(z)).toMatchObject({ status: "active" });
  });
});
