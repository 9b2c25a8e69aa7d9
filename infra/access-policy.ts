import { Stack } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import type { Access } from "../functions/routes.ts";
import { BUCKET_LAYOUT } from "../shared/storage/schema.ts";

/** The resources a route's `access` list can reach. */
export interface AccessTargets {
  /** `CURSOR_SECRET` of every function (a deploy-time reference to a Secrets Manager secret). */
  readonly cursorSecret?: string;
  readonly table: ITable;
  readonly bucket: IBucket;
  /** Customer-managed key of the bucket's SSE-KMS default encryption. */
  readonly bucketKey: IKey;
  /** Asymmetric organisation signing key (RSA_2048, SIGN_VERIFY). */
  readonly signingKey: IKey;
  /** The exchange's own asymmetric evidence key (receipts, audit seals): `kms:sign-evidence`. */
  readonly evidenceKey?: IKey;
  /**
   * Object Lock is on (production): writers of `letters/` and `evidence/` must set a per-object
   * retention (`x-amz-object-lock-mode: COMPLIANCE`), which needs s3:PutObjectRetention.
   */
  readonly objectLock: boolean;
}

/** DynamoDB actions of `table:read`. No Scan: every access pattern is a key or index query. */
export const TABLE_READ_ACTIONS: readonly string[] = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
];

/**
 * DynamoDB actions of `table:write`. TransactWriteItems has no action of its own: it is authorised
 * per item as PutItem / UpdateItem / ConditionCheckItem. No DeleteItem and no BatchWriteItem (which
 * can delete too): letters, deliveries and audit events are never deleted by the API; expiring
 * records (idempotency) go through the table's TTL.
 */
export const TABLE_WRITE_ACTIONS: readonly string[] = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:ConditionCheckItem",
];

type Prefix = keyof typeof BUCKET_LAYOUT;

interface BucketAccess {
  readonly prefix: Prefix;
  readonly mode: "read" | "write";
}

/** Maps a bucket access to its prefix and mode; `undefined` for non-bucket accesses. */
function bucketAccess(access: Access): BucketAccess | undefined {
  switch (access) {
    case "bucket:read-incoming":
      return { prefix: "incoming", mode: "read" };
    case "bucket:write-incoming":
      return { prefix: "incoming", mode: "write" };
    case "bucket:read-letters":
      return { prefix: "letters", mode: "read" };
    case "bucket:write-letters":
      return { prefix: "letters", mode: "write" };
    case "bucket:read-evidence":
      return { prefix: "evidence", mode: "read" };
    case "bucket:write-evidence":
      return { prefix: "evidence", mode: "write" };
    default:
      return undefined;
  }
}

const KNOWN_ACCESS: ReadonlySet<string> = new Set<Access>([
  "table:read",
  "table:write",
  "bucket:read-incoming",
  "bucket:write-incoming",
  "bucket:read-letters",
  "bucket:write-letters",
  "bucket:read-evidence",
  "bucket:write-evidence",
  "kms:sign",
  "kms:sign-evidence",
]);

/**
 * The IAM statements that grant exactly `access` and nothing more (least privilege): one statement
 * per kind of action, resources narrowed to the table (and its indexes for reads), the bucket
 * prefixes of `BUCKET_LAYOUT` (plus s3:ListBucket on the bucket for readers, see below), the bucket
 * key (only through S3) and the signing key. No statement ever allows a delete.
 *
 * @throws Error for an access this mapping does not know (a new `Access` value needs a rule here).
 * @example
 * for (const statement of accessPolicyStatements(route.access, targets)) {
 *   role.addToPrincipalPolicy(statement);
 * }
 */
export function accessPolicyStatements(access: readonly Access[], targets: AccessTargets): PolicyStatement[] {
  for (const item of access) {
    if (!KNOWN_ACCESS.has(item)) {
      throw new Error(`Expected a known route access (${[...KNOWN_ACCESS].join(", ")}), got "${item}"`);
    }
  }
  const wants = new Set<Access>(access);
  const statements: PolicyStatement[] = [];
  const { table, bucket, bucketKey, signingKey } = targets;

  if (wants.has("table:read")) {
    statements.push(
      new PolicyStatement({
        sid: "TableRead",
        actions: [...TABLE_READ_ACTIONS],
        resources: [table.tableArn, `${table.tableArn}/index/*`],
      }),
    );
  }
  if (wants.has("table:write")) {
    statements.push(
      new PolicyStatement({
        sid: "TableWrite",
        actions: [...TABLE_WRITE_ACTIONS],
        resources: [table.tableArn],
      }),
    );
  }

  const buckets = [...wants].map(bucketAccess).filter((item): item is BucketAccess => item !== undefined);
  const objectArns = (mode: BucketAccess["mode"]): string[] =>
    buckets
      .filter((item) => item.mode === mode)
      .map((item) => bucket.arnForObjects(`${BUCKET_LAYOUT[item.prefix]}*`));
  const readArns = objectArns("read");
  const writeArns = objectArns("write");
  if (readArns.length > 0) {
    statements.push(
      new PolicyStatement({ sid: "BucketRead", actions: ["s3:GetObject"], resources: readArns }),
    );
    // Without s3:ListBucket, S3 answers a GetObject/HeadObject of a missing key with 403
    // AccessDenied instead of 404 NoSuchKey (S3 API reference, GetObject "Permissions"). Readers
    // must tell "not uploaded yet" from a denied read, as they do against the local S3 server. The
    // key names it reveals (incoming/<id>/…, letters/<docId>/<sha256>) are in the table anyway.
    statements.push(
      new PolicyStatement({ sid: "BucketList", actions: ["s3:ListBucket"], resources: [bucket.bucketArn] }),
    );
  }
  if (writeArns.length > 0) {
    statements.push(
      new PolicyStatement({ sid: "BucketWrite", actions: ["s3:PutObject"], resources: writeArns }),
    );
  }
  const lockedArns = buckets
    .filter((item) => item.mode === "write" && item.prefix !== "incoming")
    .map((item) => bucket.arnForObjects(`${BUCKET_LAYOUT[item.prefix]}*`));
  if (targets.objectLock && lockedArns.length > 0) {
    statements.push(
      new PolicyStatement({
        sid: "BucketRetention",
        actions: ["s3:PutObjectRetention"],
        resources: lockedArns,
      }),
    );
  }

  // SSE-KMS: reading needs kms:Decrypt; writing needs kms:GenerateDataKey, and kms:Decrypt as well
  // for multipart uploads and copies. Only through S3 (kms:ViaService), never directly.
  const keyActions = new Set<string>();
  if (readArns.length > 0) {
    keyActions.add("kms:Decrypt");
  }
  if (writeArns.length > 0) {
    keyActions.add("kms:Decrypt");
    keyActions.add("kms:GenerateDataKey");
  }
  if (keyActions.size > 0) {
    statements.push(
      new PolicyStatement({
        sid: "BucketKey",
        actions: [...keyActions].sort(),
        resources: [bucketKey.keyArn],
        conditions: { StringEquals: { "kms:ViaService": `s3.${Stack.of(bucket).region}.amazonaws.com` } },
      }),
    );
  }

  if (wants.has("kms:sign")) {
    statements.push(
      new PolicyStatement({
        sid: "OrganSign",
        actions: ["kms:Sign", "kms:GetPublicKey"],
        resources: [signingKey.keyArn],
      }),
    );
  }
  if (wants.has("kms:sign-evidence")) {
    if (!targets.evidenceKey) {
      throw new Error("a route signs evidence (kms:sign-evidence) but the stack has no evidence key");
    }
    statements.push(
      new PolicyStatement({
        sid: "EvidenceSign",
        actions: ["kms:Sign", "kms:GetPublicKey"],
        resources: [targets.evidenceKey.keyArn],
      }),
    );
  }
  return statements;
}
