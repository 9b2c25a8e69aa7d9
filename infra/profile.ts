import { fileURLToPath } from "node:url";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";

/** Deployment profile: `dev` is cheap and disposable, `production` keeps everything and locks letters. */
export type Profile = "dev" | "production";

/** Repository root (the folder holding package.json, package-lock.json and cdk.json). */
export const REPO_ROOT: string = fileURLToPath(new URL("..", import.meta.url));

/**
 * CDK feature flags this app relies on. They are set on the App (not in cdk.json) so that the
 * CLI, `createApp()` and the tests all synthesise the same template.
 */
export const FEATURE_FLAGS: Readonly<Record<string, unknown>> = {
  // Grant S3 server access logging through a bucket policy instead of the legacy
  // LogDeliveryWrite ACL, which needs ACLs enabled on the log bucket.
  "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": true,
  "@aws-cdk/aws-s3:createDefaultLoggingPolicy": true,
  "@aws-cdk/aws-s3:publicAccessBlockedByDefault": true,
};

/** API Gateway stage throttling (token bucket per account and stage). */
export interface ThrottleOptions {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Burst size. */
  readonly burstLimit: number;
}

/** Everything that differs between the two profiles, in one place. */
export interface ProfileSettings {
  readonly profile: Profile;
  /** Retention of every function log group and of the API access log group. */
  readonly logRetention: RetentionDays;
  /** Removal policy of the table, log groups and the signing key. */
  readonly removalPolicy: RemovalPolicy;
  /** DynamoDB deletion protection. */
  readonly deletionProtection: boolean;
  /** S3 Object Lock on the letters bucket (compliance mode per object, see `objectLockRetention`). */
  readonly objectLock: boolean;
  /** Retention days of S3 server access logs in the log bucket. */
  readonly accessLogExpiry: Duration;
  readonly throttle: ThrottleOptions;
  /** Origins allowed by CORS on the API and the bucket when none are given. */
  readonly defaultWebOrigins: readonly string[];
}

const SETTINGS: Readonly<Record<Profile, ProfileSettings>> = {
  dev: {
    profile: "dev",
    logRetention: RetentionDays.ONE_WEEK,
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    objectLock: false,
    accessLogExpiry: Duration.days(30),
    throttle: { rateLimit: 20, burstLimit: 40 },
    defaultWebOrigins: ["http://localhost:3000"],
  },
  production: {
    profile: "production",
    logRetention: RetentionDays.ONE_YEAR,
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
    objectLock: true,
    accessLogExpiry: Duration.days(400),
    throttle: { rateLimit: 100, burstLimit: 200 },
    defaultWebOrigins: [],
  },
};

/**
 * Settings of a profile.
 *
 * @example
 * const settings = profileSettings("production"); // settings.objectLock === true
 */
export function profileSettings(profile: Profile): ProfileSettings {
  return SETTINGS[profile];
}

/**
 * Reads a profile name from CDK context (`-c profile=production`); `undefined` means `dev`.
 *
 * @example
 * parseProfile(app.node.tryGetContext("profile")); // "dev"
 */
export function parseProfile(value: unknown): Profile {
  if (value === undefined || value === null || value === "") {
    return "dev";
  }
  if (value === "dev" || value === "production") {
    return value;
  }
  throw new Error(`Expected CDK context "profile" to be "dev" or "production", got ${JSON.stringify(value)}`);
}
