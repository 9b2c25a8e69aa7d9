import { join } from "node:path";
import { CfnOutput, Duration, Stack, type StackProps, Validations } from "aws-cdk-lib";
import { Key, KeySpec, KeyUsage } from "aws-cdk-lib/aws-kms";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { handlerEntry, ROUTES, type RouteDefinition } from "../functions/routes.ts";
import { DEFAULT_SEND_POLICY, type SendPolicy } from "../shared/exchange/send-policy.ts";
import type { AccessTargets } from "./access-policy.ts";
import { AuditSeal, SEAL_ROUTE } from "./audit-seal.ts";
import { DataStore } from "./data-store.ts";
import { ExchangeApi } from "./exchange-api.ts";
import { type Profile, profileSettings, REPO_ROOT, type ThrottleOptions } from "./profile.ts";
import { RouteFunction } from "./route-function.ts";
import { SEND_ROUTE, SendSweep } from "./send-sweep.ts";
import { StreamConsumer } from "./stream-consumer.ts";
import { Webhooks } from "./webhooks.ts";

/** Options of {@link LienthongStack}. */
export interface LienthongStackProps extends StackProps {
  /** `dev` (disposable, no Object Lock) or `production` (retained, Object Lock, deletion protection). */
  readonly profile: Profile;
  /** Routes to deploy. Default: `ROUTES` from functions/routes.ts. */
  readonly routes?: readonly RouteDefinition[];
  /** Absolute handler path of a route. Default: `<repo>/` + `handlerEntry(route)`. */
  readonly entryFor?: (route: RouteDefinition) => string;
  /** Browser origins for CORS on the API and the bucket. Default: the profile's (dev: http://localhost:3000). */
  readonly webOrigins?: readonly string[];
  /** Days before unsent uploads under incoming/ expire. Default 7. */
  readonly incomingExpiryDays?: number;
  /** COMPLIANCE retention of letters/ and evidence/ objects in production, in days. Default 3650 (10 years). */
  readonly objectLockRetentionDays?: number;
  /** API stage throttling. Default: dev 20 rps / burst 40, production 100 / 200. */
  readonly throttle?: ThrottleOptions;
  /** Which verification verdicts `send` delivers (`LIENTHONG_SEND_POLICY`). Default `require-total-passed`. */
  readonly sendPolicy?: SendPolicy;
  /**
   * RFC 3161 timestamp authority (an https URL) of the daily audit seal (infra/audit-seal.ts) and of
   * the PAdES signatures made here: `TSA_URL` of every {@link TIMESTAMPING_ROUTES} function. Absent:
   * no seal (SEAL_NOT_AVAILABLE), signatures without a timestamp.
   */
  readonly tsaUrl?: string;
}

/**
 * The routes whose code asks the TSA (shared/config.ts `tsaUrl`): the audit seal (functions/runtime-evidence.ts)
 * and the letter signatures (functions/runtime-signing.ts; prepare-signature reserves room for the
 * token and refuses `timestamp: true` without one).
 */
export const TIMESTAMPING_ROUTES: ReadonlySet<string> = new Set([
  SEAL_ROUTE,
  "sign-letter",
  "prepare-signature",
  "complete-signature",
]);

/**
 * `value` if it is an https URL without credentials (it ends up in the functions' environment),
 * else a synth-time error naming the option.
 */
export function checkTsaUrl(value: string): string {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (url?.protocol !== "https:" || url.username !== "" || url.password !== "") {
    throw new Error(
      `Expected tsaUrl (CDK context "tsaUrl") to be the https:// URL of an RFC 3161 timestamp authority, without credentials, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * The whole exchange in one stack: table, letters bucket, keys, one Lambda per route, the HTTP API,
 * and outputs `ApiUrl`, `TableName`, `BucketName`, `SigningKeyArn`.
 *
 * @example
 * const stack = new LienthongStack(app, "LienthongDev", { profile: "dev" });
 */
export class LienthongStack extends Stack {
  readonly dataStore: DataStore;
  /** Asymmetric RSA_2048 SIGN_VERIFY key for organisation (seal) signatures: only `kms:sign` routes may use it. */
  readonly signingKey: Key;
  /** Asymmetric RSA_2048 SIGN_VERIFY key of the exchange itself (receipts, seals): `kms:sign-evidence` routes only. */
  readonly evidenceKey: Key;
  readonly api: ExchangeApi;
  /** Route functions by route name. */
  readonly functions: ReadonlyMap<string, RouteFunction>;
  /** The table stream's consumer (statistics, webhooks): a function outside the API. */
  readonly streamConsumer: StreamConsumer;

  constructor(scope: Construct, id: string, props: LienthongStackProps) {
    super(scope, id, props);
    const settings = profileSettings(props.profile);
    const routes = props.routes ?? ROUTES;
    checkRoutes(routes);
    const tsaUrl = props.tsaUrl === undefined ? undefined : checkTsaUrl(props.tsaUrl);
    const webOrigins = props.webOrigins ?? settings.defaultWebOrigins;
    const entryFor =
      props.entryFor ?? ((route: RouteDefinition): string => join(REPO_ROOT, handlerEntry(route)));

    this.dataStore = new DataStore(this, "Data", {
      settings,
      webOrigins,
      incomingExpiryDays: props.incomingExpiryDays,
    });

    // Asymmetric keys cannot rotate; a new organ certificate means a new key.
    this.signingKey = new Key(this, "OrganSigningKey", {
      description: "Lienthong organisation signing key (RSASSA-PKCS1-v1_5 / PSS over SHA-256 digests)",
      keySpec: KeySpec.RSA_2048,
      keyUsage: KeyUsage.SIGN_VERIFY,
      removalPolicy: settings.removalPolicy,
      pendingWindow: Duration.days(30),
    });

    // The exchange's own key for receipts and audit seals, apart from every organ's (kms:sign-evidence).
    this.evidenceKey = new Key(this, "ExchangeEvidenceKey", {
      description: "Lienthong exchange evidence key: receipts and audit seals (RSASSA-PKCS1-v1_5, SHA-256)",
      keySpec: KeySpec.RSA_2048,
      keyUsage: KeyUsage.SIGN_VERIFY,
      removalPolicy: settings.removalPolicy,
      pendingWindow: Duration.days(30),
    });

    // One key for every function's page cursors (shared/storage/page-cursor.ts): a cursor made by one
    // Lambda container must open in another. CloudFormation resolves it into the functions'
    // environment at deploy time; the template holds only a reference.
    const cursorSecret = new Secret(this, "CursorSecret", {
      description: "Lienthong: seals page cursors (AES-256-GCM key material, CURSOR_SECRET)",
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: settings.removalPolicy,
    });
    Validations.of(cursorSecret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "The secret only seals opaque page cursors, which live for one listing; rotating it would " +
        "just refuse the next page of listings open at that moment, and it grants no access.",
    });

    const targets: AccessTargets = {
      cursorSecret: cursorSecret.secretValue.unsafeUnwrap(),
      table: this.dataStore.table,
      bucket: this.dataStore.bucket,
      bucketKey: this.dataStore.bucketKey,
      signingKey: this.signingKey,
      evidenceKey: this.evidenceKey,
      objectLock: settings.objectLock,
    };

    this.api = new ExchangeApi(this, "Api", { settings, webOrigins, throttle: props.throttle });
    const functions = new Map<string, RouteFunction>();
    for (const route of routes) {
      const routeFunction = new RouteFunction(this, `Route-${route.name}`, {
        route,
        entry: entryFor(route),
        settings,
        targets,
        objectLockRetentionDays: props.objectLockRetentionDays ?? 3650,
        sendPolicy: props.sendPolicy ?? DEFAULT_SEND_POLICY,
      });
      this.api.addRoute(route, routeFunction.function);
      if (tsaUrl && TIMESTAMPING_ROUTES.has(route.name)) {
        routeFunction.function.addEnvironment("TSA_URL", tsaUrl);
      }
      functions.set(route.name, routeFunction);
    }
    this.functions = functions;
    const sealFunction = functions.get(SEAL_ROUTE)?.function;
    if (sealFunction) {
      new AuditSeal(this, "AuditSeal", { sealFunction });
    }
    const sendFunction = functions.get(SEND_ROUTE)?.function;
    if (sendFunction) {
      new SendSweep(this, "SendSweep", { sendFunction });
    }
    this.streamConsumer = new StreamConsumer(this, "StreamConsumer", {
      table: this.dataStore.table,
      bucketName: this.dataStore.bucket.bucketName,
      settings,
      sendPolicy: props.sendPolicy ?? DEFAULT_SEND_POLICY,
    });
    new Webhooks(this, "Webhooks", {
      table: this.dataStore.table,
      streamFunction: this.streamConsumer.function,
      streamRole: this.streamConsumer.role,
    });

    new CfnOutput(this, "ApiUrl", { value: this.api.url, description: "Base URL of the HTTP API" });
    new CfnOutput(this, "TableName", { value: this.dataStore.table.tableName });
    new CfnOutput(this, "BucketName", { value: this.dataStore.bucket.bucketName });
    new CfnOutput(this, "SigningKeyArn", { value: this.signingKey.keyArn });
    new CfnOutput(this, "EvidenceKeyArn", { value: this.evidenceKey.keyArn });
  }
}

function checkRoutes(routes: readonly RouteDefinition[]): void {
  const names = new Set<string>();
  const keys = new Set<string>();
  for (const route of routes) {
    if (!/^[a-z][a-z0-9-]*$/.test(route.name)) {
      throw new Error(`Expected a kebab-case route name, got "${route.name}"`);
    }
    const key = `${route.method} ${route.path}`;
    if (names.has(route.name) || keys.has(key)) {
      throw new Error(`Expected unique route names and routes, got "${route.name}" (${key}) twice`);
    }
    names.add(route.name);
    keys.add(key);
  }
}
