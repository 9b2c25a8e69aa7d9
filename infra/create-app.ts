import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { parseSendPolicy, type SendPolicy } from "../shared/exchange/send-policy.ts";
import { LienthongStack, type LienthongStackProps } from "./lienthong-stack.ts";
import { FEATURE_FLAGS, type Profile, parseProfile } from "./profile.ts";

/** Options of {@link createApp}. Unset options fall back to CDK context (`-c key=value`), then defaults. */
export interface CreateAppOptions extends Omit<LienthongStackProps, "profile"> {
  /** Default: context `profile`, else `dev`. */
  readonly profile?: Profile;
  /** Cloud assembly folder. Default: the CLI's (`CDK_OUTDIR`) or a new temporary folder. */
  readonly outdir?: string;
  /** Stack name. Default: context `stackName`, else `LienthongDev` / `LienthongProduction`. */
  readonly stackName?: string;
  /**
   * Register cdk-nag `AwsSolutionsChecks` as a validation plugin. Default true. cdk-nag 3 reports
   * through CDK policy validation: any unacknowledged finding (error or warning) fails `synth()`
   * and is written to `validation-report.json` in the cloud assembly.
   */
  readonly nag?: boolean;
  /** Extra CDK context, after the feature flags. */
  readonly context?: Readonly<Record<string, unknown>>;
}

/** The app and its one stack. */
export interface CreateAppResult {
  readonly app: App;
  readonly stack: LienthongStack;
}

/** Default stack name of a profile. */
export function defaultStackName(profile: Profile): string {
  return profile === "production" ? "LienthongProduction" : "LienthongDev";
}

function contextString(app: App, key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === "") {
    return undefined;
  }
  if (typeof value !== "string") {
    throw new Error(`Expected CDK context "${key}" to be a string, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The send policy every function gets as LIENTHONG_SEND_POLICY (`-c sendPolicy=…`). */
function sendPolicyFromContext(app: App): SendPolicy {
  try {
    return parseSendPolicy(contextString(app, "sendPolicy"));
  } catch (error) {
    throw new Error(`CDK context "sendPolicy": ${(error as Error).message}`);
  }
}

/**
 * Builds the CDK app exactly as `cdk synth` does (feature flags, cdk-nag), for the CLI entry
 * `infra/app.ts` and for tests. No lookups and no Docker: synthesis works offline.
 *
 * Context read when the option is unset: `profile` (dev | production), `webOrigins`
 * (comma-separated CORS origins), `stackName`, `sendPolicy` (require-total-passed |
 * allow-indeterminate | record-only; an unknown value fails synthesis), `tsaUrl` (https URL of the
 * RFC 3161 timestamp authority, `TSA_URL` of the seal and signing functions; anything else fails
 * synthesis; unset: no audit seals).
 *
 * @example
 * const { app, stack } = createApp({ profile: "production" });
 * app.synth();
 */
export function createApp(options: CreateAppOptions = {}): CreateAppResult {
  const { outdir, stackName, nag, context, profile, webOrigins, sendPolicy, tsaUrl, ...stackProps } = options;
  const app = new App({ outdir, context: { ...FEATURE_FLAGS, ...context } });
  const resolvedProfile = profile ?? parseProfile(app.node.tryGetContext("profile"));
  const originsText = contextString(app, "webOrigins");
  const resolvedOrigins =
    webOrigins ??
    originsText
      ?.split(",")
      .map((origin) => origin.trim())
      .filter((origin) => origin.length > 0);
  const stack = new LienthongStack(
    app,
    stackName ?? contextString(app, "stackName") ?? defaultStackName(resolvedProfile),
    {
      ...stackProps,
      profile: resolvedProfile,
      webOrigins: resolvedOrigins,
      sendPolicy: sendPolicy ?? sendPolicyFromContext(app),
      tsaUrl: tsaUrl ?? contextString(app, "tsaUrl"),
      description: `Lienthong official-letter exchange (${resolvedProfile})`,
    },
  );
  if (nag ?? true) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  }
  return { app, stack };
}
