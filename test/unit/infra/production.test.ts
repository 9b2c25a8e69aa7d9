import type { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES, type RouteDefinition } from "../../../functions/routes.ts";
import { createApp } from "../../../infra/create-app.ts";
import type { LienthongStack } from "../../../infra/lienthong-stack.ts";
import { STREAM_FUNCTION_COUNT } from "../../../infra/stream-consumer.ts";
import { BUCKET_LAYOUT } from "../../../shared/storage/schema.ts";
import { allowedActions, logicalIdOf, render, roleStatements, tempFolder } from "./helpers.ts";

/** The one route with `kms:sign` (POST /v1/sign). */
const SIGN_ROUTE: RouteDefinition = ROUTES.find((route) => route.access.includes("kms:sign"))!;
const WEB_ORIGIN = "https://lienthong.example.gov.vn";

let app: App;
let stack: LienthongStack;
let template: Template;
let cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  // Prepare: the production app synthesised once.
  const outdir = await tempFolder("lienthong-infra-prod-");
  cleanup = [outdir.remove];
  ({ app, stack } = createApp({ profile: "production", outdir: outdir.path, webOrigins: [WEB_ORIGIN] }));
  app.synth();
  template = Template.fromStack(stack);
});

afterAll(async () => {
  await Promise.all(cleanup.map((remove) => remove()));
});

function roleOf(name: string): string {
  return logicalIdOf(stack.functions.get(name)!.role, stack);
}

function variablesOf(name: string): Record<string, unknown> {
  const fn =
    template.findResources("AWS::Lambda::Function")[logicalIdOf(stack.functions.get(name)!.function, stack)]!;
  return (fn.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
}

describe("production profile", () => {
  it("enables Object Lock on the letters bucket and retains both buckets", () => {
    const bucketId = logicalIdOf(stack.dataStore.bucket, stack);
    const buckets = template.findResources("AWS::S3::Bucket");

    expect(buckets[bucketId]?.Properties).toMatchObject({ ObjectLockEnabled: true });
    for (const bucket of Object.values(buckets)) {
      expect(bucket.DeletionPolicy).toBe("Retain");
    }
  });

  it("refuses writes to letters/ and evidence/ without COMPLIANCE retention, but not to incoming/", () => {
    const bucketArn = `<${logicalIdOf(stack.dataStore.bucket, stack)}.Arn>`;
    const policies = template.findResources("AWS::S3::BucketPolicy", {
      Properties: { Bucket: { Ref: logicalIdOf(stack.dataStore.bucket, stack) } },
    });
    const statements = Object.values(policies).flatMap(
      (policy) =>
        (policy.Properties as { PolicyDocument: { Statement: Record<string, unknown>[] } }).PolicyDocument
          .Statement,
    );
    const lockRule = statements.find((statement) =>
      JSON.stringify(statement.Condition ?? {}).includes("s3:object-lock-mode"),
    );

    expect(lockRule).toMatchObject({
      Effect: "Deny",
      Action: "s3:PutObject",
      Condition: { StringNotEquals: { "s3:object-lock-mode": "COMPLIANCE" } },
    });
    expect((lockRule!.Resource as unknown[]).map(render).sort()).toEqual(
      [`${bucketArn}/${BUCKET_LAYOUT.letters}*`, `${bucketArn}/${BUCKET_LAYOUT.evidence}*`].sort(),
    );
  });

  it("protects and retains the table", () => {
    const tables = Object.values(template.findResources("AWS::DynamoDB::Table"));

    expect(tables).toHaveLength(1);
    expect(tables[0]).toMatchObject({
      DeletionPolicy: "Retain",
      Properties: { DeletionProtectionEnabled: true },
    });
  });

  it("keeps function and access logs for one year", () => {
    const groups = Object.values(template.findResources("AWS::Logs::LogGroup"));

    // One per function (the routes' and the stream consumer's), and the API's access log.
    expect(groups).toHaveLength(ROUTES.length + STREAM_FUNCTION_COUNT + 1);
    for (const group of groups) {
      expect(group.Properties).toMatchObject({ RetentionInDays: 365 });
      expect(group.DeletionPolicy).toBe("Retain");
    }
  });

  it("tells exactly the writers of letters/ and evidence/ which retention to set", () => {
    for (const route of [...ROUTES, SIGN_ROUTE]) {
      const writesLocked =
        route.access.includes("bucket:write-letters") || route.access.includes("bucket:write-evidence");
      const variables = variablesOf(route.name);
      const actions = allowedActions(roleStatements(template, roleOf(route.name)));

      expect(variables.OBJECT_LOCK_MODE, route.name).toBe(writesLocked ? "COMPLIANCE" : undefined);
      expect(variables.OBJECT_LOCK_RETENTION_DAYS, route.name).toBe(writesLocked ? "3650" : undefined);
      expect(actions.has("s3:PutObjectRetention"), route.name).toBe(writesLocked);
    }
  });

  it("allows CORS from the given web origin on the bucket and the API", () => {
    const bucket = template.findResources("AWS::S3::Bucket")[logicalIdOf(stack.dataStore.bucket, stack)]!;
    expect(JSON.stringify(bucket.Properties.CorsConfiguration)).toContain(WEB_ORIGIN);
    template.hasResourceProperties("AWS::ApiGatewayV2::Api", {
      CorsConfiguration: Match.objectLike({ AllowOrigins: [WEB_ORIGIN] }),
    });
  });
});

describe("organisation signing key", () => {
  it("is an asymmetric RSA_2048 SIGN_VERIFY key", () => {
    template.hasResourceProperties("AWS::KMS::Key", { KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" });
  });

  it("may be used by kms:sign routes only, and only for Sign and GetPublicKey", () => {
    const keyArn = `<${logicalIdOf(stack.signingKey, stack)}.Arn>`;
    for (const [roleId] of Object.entries(template.findResources("AWS::IAM::Role"))) {
      const actions = allowedActions(roleStatements(template, roleId));
      const onKey = [...actions.entries()]
        .filter(([, resources]) => resources.includes(keyArn))
        .map(([action]) => action)
        .sort();

      expect(onKey, roleId).toEqual(
        roleId === roleOf(SIGN_ROUTE.name) ? ["kms:GetPublicKey", "kms:Sign"] : [],
      );
      // Besides, kms:Sign only on the exchange's own evidence key (receipts, seals: kms:sign-evidence routes).
      const evidenceKeyArn = `<${logicalIdOf(stack.evidenceKey, stack)}.Arn>`;
      const signsElsewhere = (actions.get("kms:Sign") ?? []).some((resource) => resource !== evidenceKeyArn);
      expect(signsElsewhere, roleId).toBe(roleId === roleOf(SIGN_ROUTE.name));
    }
    expect(render(variablesOf(SIGN_ROUTE.name).SIGNING_KEY_ID)).toBe(keyArn);
    expect(variablesOf("send-letter").SIGNING_KEY_ID).toBeUndefined();
  });
});

describe("cdk-nag AwsSolutions (production)", () => {
  it("reports no unacknowledged finding", () => {
    const report = new AwsSolutionsChecks().validateScope(app);

    expect(report.violations.map((violation) => `${violation.ruleName} ${violation.severity}`)).toEqual([]);
  });
});
