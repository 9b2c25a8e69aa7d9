import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { App, Stack, Validations } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { Bucket } from "aws-cdk-lib/aws-s3";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handlerEntry, ROUTES } from "../../../functions/routes.ts";
import { createApp } from "../../../infra/create-app.ts";
import type { LienthongStack } from "../../../infra/lienthong-stack.ts";
import { STREAM_FUNCTION_COUNT } from "../../../infra/stream-consumer.ts";
import { BUCKET_LAYOUT, TABLE_SCHEMA } from "../../../shared/storage/schema.ts";
import { buildBundle } from "../../support/lambda-bundles.ts";
import { allowedActions, logicalIdOf, render, roleStatements, tempFolder } from "./helpers.ts";

const run = promisify(execFile);

let app: App;
let stack: LienthongStack;
let template: Template;
let assemblyDir: string;
let removeOutdir: () => Promise<void>;

beforeAll(async () => {
  // Prepare: the dev app exactly as `cdk synth` builds it (cdk-nag included), synthesised once.
  const outdir = await tempFolder("lienthong-infra-dev-");
  removeOutdir = outdir.remove;
  ({ app, stack } = createApp({ profile: "dev", outdir: outdir.path }));
  assemblyDir = app.synth().directory;
  template = Template.fromStack(stack);
});

afterAll(async () => {
  await removeOutdir?.();
});

function resourcesOf(
  type: string,
): [string, { Properties: Record<string, unknown> } & Record<string, unknown>][] {
  return Object.entries(template.findResources(type)) as [
    string,
    { Properties: Record<string, unknown> } & Record<string, unknown>,
  ][];
}

function routeRole(name: string): string {
  const routeFunction = stack.functions.get(name);
  if (!routeFunction) {
    throw new Error(`no function for route ${name}`);
  }
  return logicalIdOf(routeFunction.role, stack);
}

describe("DynamoDB table", () => {
  it("has the keys, indexes and TTL of TABLE_SCHEMA", () => {
    const tables = resourcesOf("AWS::DynamoDB::Table");
    expect(tables).toHaveLength(1);
    const properties = tables[0]![1].Properties;

    expect(properties.KeySchema).toEqual([
      { AttributeName: TABLE_SCHEMA.partitionKey.name, KeyType: "HASH" },
      { AttributeName: TABLE_SCHEMA.sortKey.name, KeyType: "RANGE" },
    ]);
    const indexes = (properties.GlobalSecondaryIndexes as Record<string, unknown>[]).map((index) => ({
      name: index.IndexName,
      keys: index.KeySchema,
    }));
    expect(indexes).toEqual(
      TABLE_SCHEMA.globalIndexes.map((index) => ({
        name: index.indexName,
        keys: [
          { AttributeName: index.partitionKey.name, KeyType: "HASH" },
          { AttributeName: index.sortKey.name, KeyType: "RANGE" },
        ],
      })),
    );
    const declared = [
      TABLE_SCHEMA.partitionKey,
      TABLE_SCHEMA.sortKey,
      ...TABLE_SCHEMA.globalIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
    ].map((key) => ({ AttributeName: key.name, AttributeType: key.type }));
    expect(properties.AttributeDefinitions).toEqual(expect.arrayContaining(declared));
    expect(properties.AttributeDefinitions).toHaveLength(declared.length);
    expect(properties.TimeToLiveSpecification).toEqual({
      AttributeName: TABLE_SCHEMA.timeToLiveAttribute,
      Enabled: true,
    });
  });

  it("is on-demand, with point-in-time recovery, encryption and a NEW_AND_OLD_IMAGES stream", () => {
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      BillingMode: "PAY_PER_REQUEST",
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      StreamSpecification: { StreamViewType: "NEW_AND_OLD_IMAGES" },
    });
  });

  it("has no deletion protection in dev", () => {
    template.hasResourceProperties("AWS::DynamoDB::Table", { DeletionProtectionEnabled: false });
  });
});

describe("letters bucket", () => {
  const bucketId = (): string => logicalIdOf(stack.dataStore.bucket, stack);

  it("is versioned, SSE-KMS with a rotating customer-managed key, and blocks public access", () => {
    const bucket = template.findResources("AWS::S3::Bucket")[bucketId()]!.Properties as Record<
      string,
      unknown
    >;

    expect(bucket.VersioningConfiguration).toEqual({ Status: "Enabled" });
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const encryption = (
      bucket.BucketEncryption as { ServerSideEncryptionConfiguration: Record<string, unknown>[] }
    ).ServerSideEncryptionConfiguration[0] as { ServerSideEncryptionByDefault: Record<string, unknown> };
    expect(encryption.ServerSideEncryptionByDefault.SSEAlgorithm).toBe("aws:kms");
    const keyId = render(encryption.ServerSideEncryptionByDefault.KMSMasterKeyID).replace(/^<|\.Arn>$/g, "");
    expect(template.findResources("AWS::KMS::Key")[keyId]?.Properties).toMatchObject({
      EnableKeyRotation: true,
    });
    expect(bucket.ObjectLockEnabled ?? false).toBe(false);
  });

  it("denies any request without TLS in its bucket policy", () => {
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: { Ref: bucketId() },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Action: "s3:*",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ]),
      },
    });
  });

  it("logs server access to a separate, SSE-S3, TLS-only log bucket", () => {
    const bucket = template.findResources("AWS::S3::Bucket")[bucketId()]!.Properties as Record<
      string,
      unknown
    >;
    const logBucketId = logicalIdOf(stack.dataStore.accessLogBucket, stack);

    expect(render((bucket.LoggingConfiguration as Record<string, unknown>).DestinationBucketName)).toBe(
      `<${logBucketId}>`,
    );
    for (const statement of [
      { Effect: "Allow", Principal: { Service: "logging.s3.amazonaws.com" } },
      { Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } },
    ]) {
      template.hasResourceProperties("AWS::S3::BucketPolicy", {
        Bucket: { Ref: logBucketId },
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike(statement)]) },
      });
    }
  });

  it("expires unsent uploads under incoming/ and nothing else", () => {
    const bucket = template.findResources("AWS::S3::Bucket")[bucketId()]!.Properties as Record<
      string,
      unknown
    >;
    const rules = (bucket.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    const expiring = rules.filter((rule) => rule.ExpirationInDays !== undefined);

    expect(expiring).toEqual([
      expect.objectContaining({ Prefix: BUCKET_LAYOUT.incoming, ExpirationInDays: 7 }),
    ]);
    expect(rules.every((rule) => rule.AbortIncompleteMultipartUpload !== undefined)).toBe(true);
  });

  it("allows presigned PUT and GET from the dev web origin", () => {
    const bucket = template.findResources("AWS::S3::Bucket")[bucketId()]!.Properties as Record<
      string,
      unknown
    >;

    expect(bucket.CorsConfiguration).toEqual({
      CorsRules: [
        expect.objectContaining({
          AllowedMethods: expect.arrayContaining(["PUT", "GET"]),
          AllowedOrigins: ["http://localhost:3000"],
        }),
      ],
    });
  });
});

describe("route functions", () => {
  it("makes one Lambda function per route, Node.js 22 or newer on arm64", () => {
    const functions = resourcesOf("AWS::Lambda::Function");

    // One per route, and the stream consumer (infra/stream-consumer.ts).
    expect(functions).toHaveLength(ROUTES.length + STREAM_FUNCTION_COUNT);
    for (const [, fn] of functions) {
      const runtime = String(fn.Properties.Runtime);
      expect(runtime).toMatch(/^nodejs\d+\.x$/);
      expect(Number(/\d+/.exec(runtime)![0])).toBeGreaterThanOrEqual(22);
      expect(fn.Properties.Architectures).toEqual(["arm64"]);
      expect(fn.Properties.TracingConfig).toEqual({ Mode: "Active" });
    }
  });

  it("sizes each function from its route, else 512 MB and 10 s, and passes table and bucket names", () => {
    const tableId = logicalIdOf(stack.dataStore.table, stack);
    const bucketId = logicalIdOf(stack.dataStore.bucket, stack);
    const [cursorSecretId] = Object.keys(template.findResources("AWS::SecretsManager::Secret"));
    expect(cursorSecretId).toBeDefined();
    for (const route of ROUTES) {
      const fn = template.findResources("AWS::Lambda::Function")[
        logicalIdOf(stack.functions.get(route.name)!.function, stack)
      ]!.Properties as Record<string, unknown>;

      expect(fn.MemorySize).toBe(route.memoryMb ?? 512);
      expect(fn.Timeout).toBe(route.timeoutSeconds ?? 10);
      const variables = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(render(variables.TABLE_NAME)).toBe(`<${tableId}>`);
      expect(render(variables.BUCKET_NAME)).toBe(`<${bucketId}>`);
      // Every function seals cursors with the same secret, resolved at deploy time (never in the template).
      expect(JSON.stringify(variables.CURSOR_SECRET), route.name).toContain("{{resolve:secretsmanager:");
      expect(JSON.stringify(variables.CURSOR_SECRET)).toContain(cursorSecretId);
      // Source maps are opt-in (-c sourceMaps=true, test/unit/infra/bundling.test.ts).
      expect(variables.NODE_OPTIONS).toBeUndefined();
      const signs = route.access.includes("kms:sign");
      expect(variables.SIGNING_KEY_ID !== undefined, route.name).toBe(signs);
      // The exchange's evidence routes (kms:sign-evidence) sign with KMS too, with their own key.
      const kms = signs || route.access.includes("kms:sign-evidence");
      expect(variables.SIGNER_MODE, route.name).toBe(kms ? "kms" : undefined);
      expect(variables.FONT_DIR, route.name).toBe(signs ? "/var/task/fonts" : undefined);
      expect(variables.OBJECT_LOCK_MODE).toBeUndefined();
    }
  });

  it("gives each function its own log group with one-week retention in dev", () => {
    const groups = template.findResources("AWS::Logs::LogGroup");
    for (const [, fn] of resourcesOf("AWS::Lambda::Function")) {
      const groupId = render((fn.Properties.LoggingConfig as Record<string, unknown>).LogGroup).replace(
        /[<>]/g,
        "",
      );
      expect(groups[groupId]?.Properties).toMatchObject({ RetentionInDays: 7 });
    }
    const used = new Set(
      resourcesOf("AWS::Lambda::Function").map(([, fn]) =>
        render((fn.Properties.LoggingConfig as Record<string, unknown>).LogGroup),
      ),
    );
    expect(used.size).toBe(ROUTES.length + STREAM_FUNCTION_COUNT);
  });

  it("bundles each handler as ESM that loads under Node and answers an unauthenticated request", async () => {
    const fn = template.findResources("AWS::Lambda::Function")[
      logicalIdOf(stack.functions.get("list-inbox")!.function, stack)
    ]!.Properties as { Code: { S3Key: string }; Handler: string };
    const assetDir = join(assemblyDir, `asset.${fn.Code.S3Key.replace(/\.zip$/, "")}`);
    const bundle = await readFile(join(assetDir, "index.mjs"), "utf8");
    expect(fn.Handler).toBe("index.handler");
    expect(bundle.startsWith("import { createRequire")).toBe(true);

    // Act: load the bundle in a fresh Node process (no AWS access; no API key in the request).
    const script = `
      const { handler } = await import(${JSON.stringify(join(assetDir, "index.mjs"))});
      const result = await handler({ version: "2.0", routeKey: "GET /v1/inbox", rawPath: "/v1/inbox",
        rawQueryString: "", headers: {}, isBase64Encoded: false,
        requestContext: { http: { method: "GET", path: "/v1/inbox", sourceIp: "192.0.2.1" },
          requestId: "test", routeKey: "GET /v1/inbox", stage: "$default", timeEpoch: 0 } },
        { awsRequestId: "test", getRemainingTimeInMillis: () => 5000 });
      process.stdout.write(JSON.stringify({ type: typeof handler, statusCode: result.statusCode }));`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
      env: { PATH: process.env.PATH, TABLE_NAME: "t", BUCKET_NAME: "b", AWS_REGION: "ap-southeast-1" },
      timeout: 30_000,
    });
    const lastLine = stdout.trim().split("\n").at(-1)!;
    const outcome = JSON.parse(lastLine) as { type: string; statusCode: number };

    // Assess
    expect(outcome.type).toBe("function");
    expect(outcome.statusCode).toBe(401);
  });
});

describe("function assets", () => {
  function assetDirOf(name: string): string {
    const fn = template.findResources("AWS::Lambda::Function")[
      logicalIdOf(stack.functions.get(name)!.function, stack)
    ]!.Properties as { Code: { S3Key: string } };
    return join(assemblyDir, `asset.${fn.Code.S3Key.replace(/\.zip$/, "")}`);
  }

  it("ship no source map unless asked for", async () => {
    for (const route of ROUTES) {
      const files = await readdir(assetDirOf(route.name));
      expect(files, route.name).toContain("index.mjs");
      expect(
        files.filter((file) => file.endsWith(".map")),
        route.name,
      ).toEqual([]);
    }
  });

  it("are byte for byte what routeBuildOptions builds (what the budget tests and bench/cold-start.ts measure)", async () => {
    const out = await tempFolder("lienthong-infra-bundle-");
    try {
      for (const name of ["list-inbox", "verify-letter"]) {
        const route = ROUTES.find((candidate) => candidate.name === name)!;
        const built = await buildBundle(handlerEntry(route), join(out.path, name));
        const deployed = await readFile(join(assetDirOf(name), "index.mjs"));
        expect(built.bytes, name).toBe(deployed.length);
        expect((await readFile(built.file)).equals(deployed), name).toBe(true);
      }
    } finally {
      await out.remove();
    }
  });
});

describe("HTTP API", () => {
  it("is one HTTP API with exactly one route per ROUTES entry", () => {
    template.resourceCountIs("AWS::ApiGatewayV2::Api", 1);
    template.hasResourceProperties("AWS::ApiGatewayV2::Api", { ProtocolType: "HTTP" });
    const routeKeys = resourcesOf("AWS::ApiGatewayV2::Route").map(([, route]) => route.Properties.RouteKey);

    expect(routeKeys.sort()).toEqual(ROUTES.map((route) => `${route.method} ${route.path}`).sort());
  });

  it("proxies each route to its own function with payload format 2.0", () => {
    const integrations = template.findResources("AWS::ApiGatewayV2::Integration");
    for (const [, route] of resourcesOf("AWS::ApiGatewayV2::Route")) {
      const definition = ROUTES.find((item) => `${item.method} ${item.path}` === route.Properties.RouteKey)!;
      const integrationId = render(route.Properties.Target).replace(/^integrations\/<|>$/g, "");
      const integration = integrations[integrationId]!.Properties as Record<string, unknown>;

      expect(integration.PayloadFormatVersion).toBe("2.0");
      expect(integration.IntegrationType).toBe("AWS_PROXY");
      expect(render(integration.IntegrationUri)).toBe(
        `<${logicalIdOf(stack.functions.get(definition.name)!.function, stack)}.Arn>`,
      );
    }
  });

  it("has an auto-deployed $default stage with throttling and JSON access logs", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
      AccessLogSettings: {
        DestinationArn: { "Fn::GetAtt": [logicalIdOf(stack.api.accessLogGroup, stack), "Arn"] },
        Format: Match.stringLikeRegexp("\\$context\\.requestId"),
      },
    });
  });
});

describe("least privilege", () => {
  it("list-inbox has no S3 action and cannot write the table", () => {
    const actions = allowedActions(roleStatements(template, routeRole("list-inbox")));
    const names = [...actions.keys()];

    expect(names.filter((action) => action.startsWith("s3:"))).toEqual([]);
    expect(names.filter((action) => action.startsWith("kms:"))).toEqual([]);
    expect(actions.has("dynamodb:PutItem")).toBe(false);
    expect(actions.has("dynamodb:Query")).toBe(true);
  });

  it("create-letter may put objects under incoming/ only", () => {
    const actions = allowedActions(roleStatements(template, routeRole("create-letter")));
    const bucketId = logicalIdOf(stack.dataStore.bucket, stack);

    expect(actions.get("s3:PutObject")).toEqual([`<${bucketId}.Arn>/${BUCKET_LAYOUT.incoming}*`]);
    expect(actions.has("s3:GetObject")).toBe(false);
  });

  it("every route's role holds exactly its declared access, and logs to its own log group", () => {
    for (const route of ROUTES) {
      const actions = allowedActions(roleStatements(template, routeRole(route.name)));
      const prefixes = (mode: "read" | "write"): string[] =>
        (Object.keys(BUCKET_LAYOUT) as (keyof typeof BUCKET_LAYOUT)[])
          .filter((name) => route.access.includes(`bucket:${mode}-${name}` as (typeof route.access)[number]))
          .map((name) => `<${logicalIdOf(stack.dataStore.bucket, stack)}.Arn>/${BUCKET_LAYOUT[name]}*`)
          .sort();

      expect((actions.get("s3:GetObject") ?? []).sort(), route.name).toEqual(prefixes("read"));
      expect((actions.get("s3:PutObject") ?? []).sort(), route.name).toEqual(prefixes("write"));
      expect(actions.has("dynamodb:GetItem"), route.name).toBe(route.access.includes("table:read"));
      expect(actions.has("dynamodb:UpdateItem"), route.name).toBe(route.access.includes("table:write"));
      expect(actions.get("logs:PutLogEvents"), route.name).toEqual([
        `<${logicalIdOf(stack.functions.get(route.name)!.logGroup, stack)}.Arn>`,
      ]);
    }
  });

  it("no role may delete objects, and only the roles of kms:sign routes may sign", () => {
    const signingRoles = new Set(
      ROUTES.filter((route) => route.access.some((a) => a === "kms:sign" || a === "kms:sign-evidence")).map(
        (route) => logicalIdOf(stack.functions.get(route.name)!.role, stack),
      ),
    );
    expect(signingRoles.size).toBeGreaterThan(0);
    for (const [roleId, role] of resourcesOf("AWS::IAM::Role")) {
      expect(role.Properties.ManagedPolicyArns, roleId).toBeUndefined();
      const actions = [...allowedActions(roleStatements(template, roleId)).keys()];
      expect(
        actions.filter((action) => /^s3:(\*|Delete)/.test(action)),
        roleId,
      ).toEqual([]);
      expect(
        actions.filter((action) => action === "kms:Sign" || action === "kms:*"),
        roleId,
      ).toEqual(signingRoles.has(roleId) ? ["kms:Sign"] : []);
    }
  });
});

describe("cdk-nag AwsSolutions", () => {
  it("reports no unacknowledged finding, error or warning", () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(app);

    expect(report.violations.map((violation) => `${violation.ruleName} ${violation.severity}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it("left an empty validation report in the cloud assembly", async () => {
    const report = JSON.parse(await readFile(join(assemblyDir, "validation-report.json"), "utf8")) as {
      pluginReports: unknown[];
    };

    expect(report.pluginReports).toEqual([]);
  });

  it("acknowledges only the inherent findings, each with a reason", () => {
    const acknowledged: { id: string; reason: string }[] = [];
    const visit = (construct: IConstruct): void => {
      for (const entry of construct.node.metadata) {
        if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
          for (const [id, value] of Object.entries(entry.data as Record<string, unknown>)) {
            const reason = typeof value === "string" ? value : JSON.stringify(value);
            acknowledged.push({ id: id.replace(/^annotation::/i, ""), reason });
          }
        }
      }
      for (const child of construct.node.children) {
        visit(child);
      }
    };
    visit(app);

    const bucketArn = `<${logicalIdOf(stack.dataStore.bucket, stack)}.Arn>`;
    const tableArn = `<${logicalIdOf(stack.dataStore.table, stack)}.Arn>`;
    const allowed = new Set([
      "AwsSolutions-S1",
      "AwsSolutions-APIG4",
      // The stream consumer's dead-letter queue is itself the DLQ (infra/stream-consumer.ts).
      "AwsSolutions-SQS3",
      "AwsSolutions-SMG4",
      "AwsSolutions-IAM5[Resource::*]",
      `AwsSolutions-IAM5[Resource::${tableArn}/index/*]`,
      ...Object.values(BUCKET_LAYOUT).map((prefix) => `AwsSolutions-IAM5[Resource::${bucketArn}/${prefix}*]`),
    ]);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const item of acknowledged) {
      expect(allowed.has(item.id), item.id).toBe(true);
      expect(item.reason.length, item.id).toBeGreaterThan(40);
    }
  });

  it("does fail on a non-compliant resource (the check is live)", async () => {
    const outdir = await tempFolder("lienthong-infra-probe-");
    const probe = new App({ outdir: outdir.path });
    const probeStack = new Stack(probe, "Probe");
    new Bucket(probeStack, "PlainBucket");

    const report = new AwsSolutionsChecks().validateScope(probe);

    expect(report.success).toBe(false);
    expect(report.violations.map((violation) => violation.ruleName)).toContain("AwsSolutions-S10");
    await outdir.remove();
  });
});

describe("outputs", () => {
  it("exports the API URL, table name and bucket name", () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;

    expect(render(outputs.ApiUrl?.Value)).toMatch(/^https:\/\/<.+>\.execute-api\./);
    expect(render(outputs.TableName?.Value)).toBe(`<${logicalIdOf(stack.dataStore.table, stack)}>`);
    expect(render(outputs.BucketName?.Value)).toBe(`<${logicalIdOf(stack.dataStore.bucket, stack)}>`);
  });
});
