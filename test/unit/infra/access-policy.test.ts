import { App, Stack } from "aws-cdk-lib";
import { Key, KeySpec, KeyUsage } from "aws-cdk-lib/aws-kms";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Access } from "../../../functions/routes.ts";
import { type AccessTargets, accessPolicyStatements } from "../../../infra/access-policy.ts";
import { DataStore } from "../../../infra/data-store.ts";
import { profileSettings } from "../../../infra/profile.ts";
import { BUCKET_LAYOUT } from "../../../shared/storage/schema.ts";
import { allowedActions, logicalIdOf, type RenderedStatement, render, tempFolder } from "./helpers.ts";

const ALL_ACCESS: readonly Access[] = [
  "table:read",
  "table:write",
  "bucket:read-incoming",
  "bucket:write-incoming",
  "bucket:read-letters",
  "bucket:write-letters",
  "bucket:read-evidence",
  "bucket:write-evidence",
  "kms:sign",
];

let stack: Stack;
let targets: AccessTargets;
let ids: { table: string; bucket: string; bucketKey: string; signingKey: string };
let removeOutdir: () => Promise<void>;

beforeAll(async () => {
  // Prepare: real constructs (no Lambda, so no bundling), statements resolved against this stack.
  // An App creates its output folder at once: give it one that is removed afterwards.
  const outdir = await tempFolder("lienthong-infra-policy-");
  removeOutdir = outdir.remove;
  const app = new App({ outdir: outdir.path });
  stack = new Stack(app, "PolicyTest");
  const store = new DataStore(stack, "Data", { settings: profileSettings("dev"), webOrigins: [] });
  const signingKey = new Key(stack, "SigningKey", {
    keySpec: KeySpec.RSA_2048,
    keyUsage: KeyUsage.SIGN_VERIFY,
  });
  targets = {
    table: store.table,
    bucket: store.bucket,
    bucketKey: store.bucketKey,
    signingKey,
    objectLock: false,
  };
  ids = {
    table: logicalIdOf(store.table, stack),
    bucket: logicalIdOf(store.bucket, stack),
    bucketKey: logicalIdOf(store.bucketKey, stack),
    signingKey: logicalIdOf(signingKey, stack),
  };
});

afterAll(async () => {
  await removeOutdir?.();
});

function statementsFor(access: readonly Access[], objectLock = false): RenderedStatement[] {
  return accessPolicyStatements(access, { ...targets, objectLock }).map((statement) => {
    const json = stack.resolve(statement.toStatementJson()) as Record<string, unknown>;
    const list = (value: unknown): unknown[] =>
      Array.isArray(value) ? value : value === undefined ? [] : [value];
    return {
      sid: json.Sid as string | undefined,
      effect: String(json.Effect),
      actions: list(json.Action).map(String),
      resources: list(json.Resource).map(render),
      condition: json.Condition,
    };
  });
}

function prefixArn(prefix: string): string {
  return `<${ids.bucket}.Arn>/${prefix}*`;
}

describe("accessPolicyStatements", () => {
  it("grants nothing for no access", () => {
    expect(statementsFor([])).toEqual([]);
  });

  it("table:read reads the table and its indexes, and writes nothing", () => {
    const actions = allowedActions(statementsFor(["table:read"]));

    expect([...actions.keys()].sort()).toEqual([
      "dynamodb:BatchGetItem",
      "dynamodb:GetItem",
      "dynamodb:Query",
    ]);
    expect(actions.get("dynamodb:Query")).toEqual([`<${ids.table}.Arn>`, `<${ids.table}.Arn>/index/*`]);
  });

  it("table:write puts and updates items on the table only, never deletes", () => {
    const actions = allowedActions(statementsFor(["table:write"]));

    expect(actions.get("dynamodb:PutItem")).toEqual([`<${ids.table}.Arn>`]);
    expect(actions.get("dynamodb:UpdateItem")).toEqual([`<${ids.table}.Arn>`]);
    expect(actions.has("dynamodb:DeleteItem")).toBe(false);
    expect(actions.has("dynamodb:BatchWriteItem")).toBe(false);
    expect(actions.has("dynamodb:Scan")).toBe(false);
  });

  it("bucket:write-incoming puts objects under incoming/ only, with the bucket key through S3", () => {
    const statements = statementsFor(["bucket:write-incoming"]);
    const actions = allowedActions(statements);

    expect(actions.get("s3:PutObject")).toEqual([prefixArn(BUCKET_LAYOUT.incoming)]);
    expect(actions.has("s3:GetObject")).toBe(false);
    expect(actions.get("kms:GenerateDataKey")).toEqual([`<${ids.bucketKey}.Arn>`]);
    const keyStatement = statements.find((statement) => statement.actions.includes("kms:GenerateDataKey"));
    expect(JSON.stringify(keyStatement?.condition)).toContain("kms:ViaService");
  });

  it("bucket reads get s3:ListBucket on the bucket itself so that a missing key is 404, not 403", () => {
    const actions = allowedActions(statementsFor(["bucket:read-letters"]));

    expect(actions.get("s3:GetObject")).toEqual([prefixArn(BUCKET_LAYOUT.letters)]);
    expect(actions.get("s3:ListBucket")).toEqual([`<${ids.bucket}.Arn>`]);
    expect(actions.get("kms:Decrypt")).toEqual([`<${ids.bucketKey}.Arn>`]);
    expect(actions.has("kms:GenerateDataKey")).toBe(false);
  });

  it("kms:sign signs with the signing key only", () => {
    const actions = allowedActions(statementsFor(["kms:sign"]));

    expect([...actions.keys()].sort()).toEqual(["kms:GetPublicKey", "kms:Sign"]);
    expect(actions.get("kms:Sign")).toEqual([`<${ids.signingKey}.Arn>`]);
  });

  it("with Object Lock, writers of letters/ and evidence/ may set retention there, not on incoming/", () => {
    const actions = allowedActions(
      statementsFor(["bucket:write-incoming", "bucket:write-letters", "bucket:write-evidence"], true),
    );

    expect(actions.get("s3:PutObjectRetention")?.sort()).toEqual(
      [prefixArn(BUCKET_LAYOUT.letters), prefixArn(BUCKET_LAYOUT.evidence)].sort(),
    );
    expect(allowedActions(statementsFor(["bucket:write-letters"], false)).has("s3:PutObjectRetention")).toBe(
      false,
    );
  });

  it("rejects an access it has no rule for", () => {
    expect(() => accessPolicyStatements(["bucket:delete-letters" as Access], targets)).toThrow(
      /known route access/,
    );
  });

  it("grants exactly what any set of accesses asks for, and never deletion or wildcard actions", () => {
    fc.assert(
      fc.property(fc.subarray([...ALL_ACCESS]), fc.boolean(), (access, objectLock) => {
        // Act
        const statements = statementsFor(access, objectLock);
        const actions = allowedActions(statements);
        const has = (item: Access): boolean => access.includes(item);
        const prefixes = (mode: "read" | "write"): string[] =>
          (Object.keys(BUCKET_LAYOUT) as (keyof typeof BUCKET_LAYOUT)[])
            .filter((name) => has(`bucket:${mode}-${name}` as Access))
            .map((name) => prefixArn(BUCKET_LAYOUT[name]))
            .sort();

        // Assess
        for (const statement of statements) {
          expect(statement.effect).toBe("Allow");
          for (const action of statement.actions) {
            expect(action).not.toContain("*");
            expect(action).not.toMatch(/Delete/);
          }
          for (const resource of statement.resources) {
            expect(resource).not.toBe("*");
            expect(resource).not.toBe(`<${ids.bucket}.Arn>/*`);
          }
        }
        expect(actions.has("dynamodb:GetItem")).toBe(has("table:read"));
        expect(actions.has("dynamodb:PutItem")).toBe(has("table:write"));
        expect((actions.get("s3:GetObject") ?? []).sort()).toEqual(prefixes("read"));
        expect((actions.get("s3:PutObject") ?? []).sort()).toEqual(prefixes("write"));
        expect(actions.has("s3:ListBucket")).toBe(prefixes("read").length > 0);
        expect(actions.has("kms:Decrypt")).toBe(prefixes("read").length + prefixes("write").length > 0);
        expect(actions.has("kms:GenerateDataKey")).toBe(prefixes("write").length > 0);
        expect(actions.has("kms:Sign")).toBe(has("kms:sign"));
        expect(actions.has("s3:PutObjectRetention")).toBe(
          objectLock && (has("bucket:write-letters") || has("bucket:write-evidence")),
        );
      }),
      { numRuns: 300 },
    );
  });
});
