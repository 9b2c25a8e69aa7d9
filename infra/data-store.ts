import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from "aws-cdk-lib/aws-dynamodb";
import { AnyPrincipal, Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
} from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { BUCKET_LAYOUT, type KeyAttribute, TABLE_SCHEMA } from "../shared/storage/schema.ts";
import type { ProfileSettings } from "./profile.ts";

/** Options of {@link DataStore}. */
export interface DataStoreProps {
  readonly settings: ProfileSettings;
  /** Origins allowed to PUT/GET presigned URLs from a browser; none: no CORS rule. */
  readonly webOrigins: readonly string[];
  /** Days after which unsent uploads under `incoming/` expire. Default 7. */
  readonly incomingExpiryDays?: number;
}

function attribute(key: KeyAttribute): { name: string; type: AttributeType } {
  return { name: key.name, type: key.type === "S" ? AttributeType.STRING : AttributeType.NUMBER };
}

/**
 * The exchange's state: the single DynamoDB table built from `TABLE_SCHEMA`, the letters bucket laid
 * out by `BUCKET_LAYOUT` (versioned, SSE-KMS with a rotating customer-managed key, TLS only, no
 * public access, server access logs), and the access-log bucket.
 *
 * Production adds table deletion protection and S3 Object Lock. Object Lock has no default
 * retention on purpose: a bucket-wide default would also lock `incoming/`, whose unsent uploads must
 * expire. Writers of `letters/` and `evidence/` set COMPLIANCE retention per object instead, and
 * the bucket policy refuses any write there that does not. A locked object can never be removed,
 * so the exchange writes there only what the table has committed (shared/exchange/exchange.ts):
 * a refused or losing `send` leaves its bytes under `incoming/`, which expires.
 *
 * @example
 * const store = new DataStore(stack, "Data", { settings: profileSettings("dev"), webOrigins: [] });
 */
export class DataStore extends Construct {
  readonly table: Table;
  readonly bucket: Bucket;
  readonly bucketKey: Key;
  readonly accessLogBucket: Bucket;

  constructor(scope: Construct, id: string, props: DataStoreProps) {
    super(scope, id);
    // Server access logs are granted to logging.s3.amazonaws.com by a bucket policy, not by the
    // legacy LogDeliveryWrite ACL (which needs ACLs enabled); set here so that the construct does
    // not depend on the app's feature flags.
    this.node.setContext("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", true);
    const { settings } = props;

    this.table = new Table(this, "Table", {
      partitionKey: attribute(TABLE_SCHEMA.partitionKey),
      sortKey: attribute(TABLE_SCHEMA.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: settings.deletionProtection,
      // The notifier consumes the stream; it needs both images to tell status changes apart.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      timeToLiveAttribute: TABLE_SCHEMA.timeToLiveAttribute,
      removalPolicy: settings.removalPolicy,
    });
    for (const index of TABLE_SCHEMA.globalIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        projectionType: ProjectionType.ALL,
      });
    }

    // Retained in every profile: a deleted key would make the retained bucket unreadable.
    this.bucketKey = new Key(this, "BucketKey", {
      description: "Lienthong letters bucket: SSE-KMS default encryption",
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // S3 server access logs can only be delivered to an SSE-S3 bucket, not SSE-KMS.
    this.accessLogBucket = new Bucket(this, "AccessLogBucket", {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [{ id: "expire-access-logs", expiration: settings.accessLogExpiry }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: "AwsSolutions-S1",
      reason:
        "This bucket is the server access log destination of the letters bucket; logging it would " +
        "log its own log deliveries.",
    });

    const incomingExpiry = Duration.days(props.incomingExpiryDays ?? 7);
    this.bucket = new Bucket(this, "Bucket", {
      encryption: BucketEncryption.KMS,
      encryptionKey: this.bucketKey,
      // One KMS data key per bucket and period instead of per object: fewer KMS calls, same key.
      bucketKeyEnabled: true,
      versioned: true,
      objectLockEnabled: settings.objectLock,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: "letters-bucket/",
      lifecycleRules: [
        {
          // A draft's bytes: uploads, files the exchange signed, the reports of refused send
          // attempts. `send` writes an accepted file to letters/ only after the table commits it,
          // so nothing here is ever kept; functions cannot delete, so expiry is what cleans it
          // (the current version becomes a delete marker, the data goes a day later).
          id: "expire-incoming",
          prefix: BUCKET_LAYOUT.incoming,
          expiration: incomingExpiry,
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        {
          // The delete markers left once their data has gone (S3 takes this in a rule of its own).
          id: "remove-incoming-delete-markers",
          prefix: BUCKET_LAYOUT.incoming,
          expiredObjectDeleteMarker: true,
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        { id: "abort-incomplete-multipart", abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      cors:
        props.webOrigins.length === 0
          ? undefined
          : [
              {
                // Presigned, checksum-bound PUT (upload) and GET (download) from the clerks' web page.
                allowedMethods: [HttpMethods.PUT, HttpMethods.GET, HttpMethods.HEAD],
                allowedOrigins: [...props.webOrigins],
                allowedHeaders: ["*"],
                exposedHeaders: ["ETag", "x-amz-version-id", "x-amz-checksum-sha256"],
                maxAge: 3600,
              },
            ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    if (settings.objectLock) {
      // Fail closed: nothing lands in letters/ or evidence/ without COMPLIANCE retention.
      this.bucket.addToResourcePolicy(
        new PolicyStatement({
          sid: "DenyUnlockedLetterWrites",
          effect: Effect.DENY,
          principals: [new AnyPrincipal()],
          actions: ["s3:PutObject"],
          resources: [
            this.bucket.arnForObjects(`${BUCKET_LAYOUT.letters}*`),
            this.bucket.arnForObjects(`${BUCKET_LAYOUT.evidence}*`),
          ],
          conditions: { StringNotEquals: { "s3:object-lock-mode": "COMPLIANCE" } },
        }),
      );
    }
  }
}
