import { join } from "node:path";
import { type Acknowledgment, CfnElement, Duration, Stack, Validations } from "aws-cdk-lib";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { type BundlingOptions, NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import { Construct, type IConstruct } from "constructs";
import type { BuildOptions } from "esbuild";
import type { RouteDefinition } from "../functions/routes.ts";
import { SEND_POLICY_VARIABLE, type SendPolicy } from "../shared/exchange/send-policy.ts";
import { DEFAULT_FONT_PATHS } from "../shared/pdf/appearance/font.ts";
import { BUCKET_LAYOUT } from "../shared/storage/schema.ts";
import { type AccessTargets, accessPolicyStatements } from "./access-policy.ts";
import { type ProfileSettings, REPO_ROOT } from "./profile.ts";

/** Lambda runtime of every route: the newest GA Node.js CDK knows (cdk-nag AwsSolutions-L1). */
export const FUNCTION_RUNTIME: Runtime = Runtime.NODEJS_24_X;

/** esbuild target matching {@link FUNCTION_RUNTIME}. */
export const BUNDLE_TARGET = "node24";

/** Defaults when a route sets neither: 512 MB, 10 s. */
export const DEFAULT_MEMORY_MB = 512;
export const DEFAULT_TIMEOUT_SECONDS = 10;

/**
 * Dependencies such as node-forge are CommonJS and call `require("crypto")`; an ESM bundle has no
 * `require`, so define one (esbuild's `__require` shim falls back to it).
 */
export const CREATE_REQUIRE_BANNER =
  'import { createRequire as __lienthongCreateRequire } from "node:module"; ' +
  "const require = __lienthongCreateRequire(import.meta.url);";

/**
 * How every route's bundle is built, in esbuild's terms: the one place the CDK app
 * ({@link routeBundling}), the bundle tests and `bench/cold-start.ts` ({@link routeBuildOptions})
 * read it from, so that what is measured is what is deployed.
 */
export const ROUTE_BUNDLE = {
  format: "esm",
  target: BUNDLE_TARGET,
  minify: true,
  mainFields: ["module", "main"],
  /** JavaScript prepended to the bundle. */
  banner: CREATE_REQUIRE_BANNER,
  charset: "utf8",
  // Bundle the AWS SDK too: the versions pinned in package-lock.json, not the runtime's.
  external: [],
} as const;

/** CDK context flag asking for source maps in the functions' assets (`cdk synth -c sourceMaps=true`). */
export const SOURCE_MAPS_CONTEXT = "sourceMaps";

/**
 * Source maps (without sources) cost a second file larger than the bundle and, with
 * `--enable-source-maps`, time at every stack trace: off unless asked for.
 */
export function sourceMapsRequested(scope: IConstruct): boolean {
  const value: unknown = scope.node.tryGetContext(SOURCE_MAPS_CONTEXT);
  if (value === undefined || value === false || value === "false") {
    return false;
  }
  if (value === true || value === "true") {
    return true;
  }
  throw new Error(
    `Expected CDK context "${SOURCE_MAPS_CONTEXT}" to be true or false, got ${JSON.stringify(value)}`,
  );
}

/** esbuild options of one route's bundle, exactly as {@link routeBundling} has CDK run it. */
export function routeBuildOptions(
  entry: string,
  outfile: string,
  options: { readonly sourceMap: boolean },
): BuildOptions {
  return {
    bundle: true,
    platform: "node", // as NodejsFunction always passes
    format: ROUTE_BUNDLE.format,
    target: ROUTE_BUNDLE.target,
    minify: ROUTE_BUNDLE.minify,
    mainFields: [...ROUTE_BUNDLE.mainFields],
    banner: { js: ROUTE_BUNDLE.banner },
    charset: ROUTE_BUNDLE.charset,
    external: [...ROUTE_BUNDLE.external],
    entryPoints: [entry],
    outfile,
    ...(options.sourceMap ? { sourcemap: true, sourcesContent: false } : {}),
  };
}

/** {@link ROUTE_BUNDLE} as NodejsFunction bundling options. */
export function routeBundling(options: { readonly sourceMap: boolean }): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: ROUTE_BUNDLE.target,
    minify: ROUTE_BUNDLE.minify,
    sourceMap: options.sourceMap,
    ...(options.sourceMap ? { sourcesContent: false } : {}),
    mainFields: [...ROUTE_BUNDLE.mainFields],
    banner: ROUTE_BUNDLE.banner,
    // NodejsFunction declares `charset` but does not pass it to esbuild (aws-cdk-lib 2.276).
    esbuildArgs: { "--charset": ROUTE_BUNDLE.charset },
    externalModules: [...ROUTE_BUNDLE.external],
  };
}

/** Options of {@link RouteFunction}. */
export interface RouteFunctionProps {
  readonly route: RouteDefinition;
  /** Absolute path of the handler module (exports `handler`). */
  readonly entry: string;
  readonly settings: ProfileSettings;
  readonly targets: AccessTargets;
  /** COMPLIANCE retention writers of letters/ and evidence/ must set, in days (production only). */
  readonly objectLockRetentionDays: number;
  /** Which verification verdicts `send` delivers, passed to every function as `LIENTHONG_SEND_POLICY`. */
  readonly sendPolicy: SendPolicy;
}

/**
 * One route's Lambda function: ESM bundle (arm64, Node.js 24), its own log group with the profile's
 * retention, X-Ray active tracing, and its own role holding exactly the route's `access`
 * (no AWS managed policy: logs are granted on its own log group only).
 *
 * Environment: `TABLE_NAME`, `BUCKET_NAME`, `CURSOR_SECRET`, `LIENTHONG_SEND_POLICY` (written out even when it is the default); `SIGNING_KEY_ID`
 * (key ARN) when the route has `kms:sign`; `OBJECT_LOCK_MODE=COMPLIANCE` and
 * `OBJECT_LOCK_RETENTION_DAYS` when Object Lock is on and the route writes letters/ or evidence/;
 * `NODE_OPTIONS=--enable-source-maps` only when source maps were asked for ({@link SOURCE_MAPS_CONTEXT}).
 *
 * @example
 * new RouteFunction(api, "list-inbox", { route, entry, settings, targets, objectLockRetentionDays: 3650, sendPolicy: "require-total-passed" });
 */
export class RouteFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: RouteFunctionProps) {
    super(scope, id);
    const { route, settings, targets } = props;

    this.logGroup = new LogGroup(this, "Logs", {
      retention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
    });

    this.role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `Lienthong ${route.name}: ${route.access.join(", ") || "no data access"}`,
    });
    this.logGroup.grantWrite(this.role);
    for (const statement of accessPolicyStatements(route.access, targets)) {
      this.role.addToPrincipalPolicy(statement);
    }

    const environment: Record<string, string> = {
      TABLE_NAME: targets.table.tableName,
      BUCKET_NAME: targets.bucket.bucketName,
      [SEND_POLICY_VARIABLE]: props.sendPolicy,
      ...(targets.cursorSecret ? { CURSOR_SECRET: targets.cursorSecret } : {}),
    };
    const sourceMap = sourceMapsRequested(this);
    if (sourceMap) {
      environment.NODE_OPTIONS = "--enable-source-maps";
    }
    const signs = route.access.includes("kms:sign");
    if (signs) {
      environment.SIGNING_KEY_ID = targets.signingKey.keyArn;
      environment.SIGNER_MODE = "kms";
      // Lambda has no system fonts: the appearance fonts are copied into the bundle (below).
      environment.FONT_DIR = `${LAMBDA_TASK_ROOT}/fonts`;
    }
    if (route.access.includes("kms:sign-evidence") && targets.evidenceKey) {
      // The exchange's own key (functions/runtime-evidence.ts): receipts and seals, never letters.
      environment.EXCHANGE_KEY_ID = targets.evidenceKey.keyArn;
      environment.SIGNER_MODE = "kms";
    }
    const writesLocked =
      route.access.includes("bucket:write-letters") || route.access.includes("bucket:write-evidence");
    if (targets.objectLock && writesLocked) {
      environment.OBJECT_LOCK_MODE = "COMPLIANCE";
      environment.OBJECT_LOCK_RETENTION_DAYS = String(props.objectLockRetentionDays);
    }

    this.function = new NodejsFunction(this, "Function", {
      description: `Lienthong ${route.method} ${route.path}`,
      entry: props.entry,
      handler: "handler",
      runtime: FUNCTION_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: route.memoryMb ?? DEFAULT_MEMORY_MB,
      timeout: Duration.seconds(route.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS),
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      environment,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, "package-lock.json"),
      bundling: {
        ...routeBundling({ sourceMap }),
        ...(signs ? { commandHooks: copyFonts } : {}),
      },
    });

    for (const acknowledgment of wildcardAcknowledgments(route, targets)) {
      Validations.of(this.role).acknowledge(acknowledgment);
    }
  }
}

const LAMBDA_TASK_ROOT = "/var/task";

/** Copies the signature-appearance fonts (Debian fonts-liberation2 on the build machine) into the bundle. */
const copyFonts = {
  beforeBundling: (): string[] => [],
  beforeInstall: (): string[] => [],
  afterBundling: (_inputDir: string, outputDir: string): string[] => [
    `mkdir -p "${outputDir}/fonts"`,
    `cp "${DEFAULT_FONT_PATHS.regular}" "${DEFAULT_FONT_PATHS.bold}" "${outputDir}/fonts/"`,
  ],
};

/** `<LogicalId.Arn>` as cdk-nag prints a resolved `Fn::GetAtt [LogicalId, Arn]`. */
function arnReference(construct: IConstruct): string {
  const resource = construct.node.defaultChild;
  if (!(resource instanceof CfnElement)) {
    throw new Error(`Expected ${construct.node.path} to wrap a CloudFormation resource`);
  }
  return `<${Stack.of(construct).getLogicalId(resource)}.Arn>`;
}

/**
 * Acknowledgments of the AwsSolutions-IAM5 (wildcard) findings this route's policy has by
 * construction, each by its exact finding id, and nothing else: a new wildcard still fails synth.
 */
function wildcardAcknowledgments(route: RouteDefinition, targets: AccessTargets): Acknowledgment[] {
  const acknowledgments: Acknowledgment[] = [
    {
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "X-Ray active tracing: xray:PutTraceSegments/PutTelemetryRecords support no resource-level permissions.",
    },
  ];
  if (route.access.includes("table:read")) {
    acknowledgments.push({
      id: `AwsSolutions-IAM5[Resource::${arnReference(targets.table)}/index/*]`,
      reason:
        "Reads query the table's global secondary indexes (inbox, outbox); every index of this one table.",
    });
  }
  for (const prefix of Object.values(BUCKET_LAYOUT)) {
    const name = prefix.replace(/\/$/, "");
    if (route.access.some((access) => access.startsWith("bucket:") && access.endsWith(`-${name}`))) {
      acknowledgments.push({
        id: `AwsSolutions-IAM5[Resource::${arnReference(targets.bucket)}/${prefix}*]`,
        reason:
          `Object keys are generated per letter and file (${prefix}<id>/...), so the grant is scoped to ` +
          `the ${prefix} prefix, never the whole bucket.`,
      });
    }
  }
  return acknowledgments;
}
