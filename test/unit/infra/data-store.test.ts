import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { DataStore } from "../../../infra/data-store.ts";
import { type Profile, profileSettings } from "../../../infra/profile.ts";
import { BUCKET_LAYOUT } from "../../../shared/storage/schema.ts";
import { logicalIdOf, render } from "./helpers.ts";

/** The DataStore alone in a stack, synthesised for `profile`. */
function synth(profile: Profile, incomingExpiryDays?: number) {
  const stack = new Stack(new App(), "Test");
  const store = new DataStore(stack, "Data", {
    settings: profileSettings(profile),
    webOrigins: [],
    ...(incomingExpiryDays ? { incomingExpiryDays } : {}),
  });
  const template = Template.fromStack(stack);
  const bucketId = logicalIdOf(store.bucket, stack);
  const bucket = template.findResources("AWS::S3::Bucket")[bucketId]!.Properties as {
    LifecycleConfiguration: { Rules: Record<string, unknown>[] };
    ObjectLockConfiguration?: unknown;
    ObjectLockEnabled?: boolean;
  };
  const statements = Object.values(
    template.findResources("AWS::S3::BucketPolicy", { Properties: { Bucket: { Ref: bucketId } } }),
  ).flatMap(
    (policy) =>
      (policy.Properties as { PolicyDocument: { Statement: Record<string, unknown>[] } }).PolicyDocument
        .Statement,
  );
  return { bucket, statements };
}

describe("the letters bucket (infra/data-store.ts)", () => {
  for (const profile of ["dev", "production"] as const) {
    it(`${profile}: incoming/ expires, its old versions and delete markers go too`, () => {
      const { bucket } = synth(profile);
      const incoming = bucket.LifecycleConfiguration.Rules.filter(
        (rule) => rule.Prefix === BUCKET_LAYOUT.incoming,
      );
      expect(incoming).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Status: "Enabled",
            ExpirationInDays: 7,
            NoncurrentVersionExpiration: { NoncurrentDays: 1 },
          }),
          expect.objectContaining({ Status: "Enabled", ExpiredObjectDeleteMarker: true }),
        ]),
      );
      // Nothing under the kept prefixes ever expires.
      for (const rule of bucket.LifecycleConfiguration.Rules) {
        if (rule.ExpirationInDays !== undefined || rule.ExpiredObjectDeleteMarker !== undefined) {
          expect(rule.Prefix).toBe(BUCKET_LAYOUT.incoming);
        }
      }
    });
  }

  it("takes the incoming/ expiry from its props", () => {
    const { bucket } = synth("dev", 2);
    expect(bucket.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([expect.objectContaining({ Prefix: "incoming/", ExpirationInDays: 2 })]),
    );
  });

  it("production: Object Lock without a default retention, so incoming/ is never locked", () => {
    const { bucket, statements } = synth("production");
    expect(bucket.ObjectLockEnabled).toBe(true);
    expect(bucket.ObjectLockConfiguration).toBeUndefined();
    const deny = statements.find((statement) => statement.Sid === "DenyUnlockedLetterWrites");
    const resources = [deny?.Resource].flat().map(render);
    expect(resources.some((arn) => arn.endsWith(`/${BUCKET_LAYOUT.letters}*`))).toBe(true);
    expect(resources.some((arn) => arn.endsWith(`/${BUCKET_LAYOUT.evidence}*`))).toBe(true);
    expect(resources.some((arn) => arn.includes(BUCKET_LAYOUT.incoming))).toBe(false);
    expect(deny?.Condition).toEqual({ StringNotEquals: { "s3:object-lock-mode": "COMPLIANCE" } });
  });
});
