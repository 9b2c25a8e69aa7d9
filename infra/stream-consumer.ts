import { join } from "node:path";
import { type Acknowledgment, Duration, Validations } from "aws-cdk-lib";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, StartingPosition, Tracing } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { SEND_POLICY_VARIABLE, type SendPolicy } from "../shared/exchange/send-policy.ts";
import type { ProfileSettings } from "./profile.ts";
import { REPO_ROOT } from "./profile.ts";
import { FUNCTION_RUNTIME, routeBundling, sourceMapsRequested } from "./route-function.ts";

/** The stream handler (not a route: it is not in functions/routes.ts). */
export const STREAM_HANDLER_ENTRY = "functions/stream-events/handler.ts";

/** How long the event source mapping gathers a batch (Lambda takes whole seconds: 1 is the least). */
export const STREAM_BATCHING_WINDOW: Duration = Duration.seconds(1);

/** Functions this construct adds to the stack beside the route functions. */
export const STREAM_FUNCTION_COUNT = 1;

/** Options of {@link StreamConsumer}. */
export interface StreamConsumerProps {
  readonly table: Table;
  /** The letters bucket's name, which every function's configuration carries (it reads nothing there). */
  readonly bucketName: string;
  readonly settings: ProfileSettings;
  readonly sendPolicy: SendPolicy;
  /** Absolute handler path. Default `<repo>/functions/stream-events/handler.ts`. */
  readonly entry?: string;
}

/**
 * The consumer of the table's stream (DynamoDB Streams, NEW_AND_OLD_IMAGES): one Lambda function
 * fed by an event source mapping, in order per shard, up to 100 records a batch gathered for at
 * most a second (the batching window, at its least): under load the consumers see about one batch
 * a second per shard instead of one per write (every batch costs the statistics and the webhook
 * notifier DynamoDB calls of their own), and a record still reaches them within about a second.
 * The local poller gathers the same way for a quarter second (local/stream-poller.ts). A batch
 * that fails is bisected until the failing record is alone, retried, and then its description
 * goes to an SQS dead-letter queue (kept 14 days) so the shard moves on; the consumers
 * (statistics, webhooks: functions/runtime-stream.ts) are idempotent, so retries count nothing
 * twice.
 *
 * Its role may read the stream and write only what the consumers keep: the statistics items
 * (Update/Put/Delete/ConditionCheck on the table; TransactWriteItems is authorised per item) and
 * Query for the reports it does not serve but tests.
 */
export class StreamConsumer extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: StreamConsumerProps) {
    super(scope, id);
    const { settings, table } = props;
    this.logGroup = new LogGroup(this, "Logs", {
      retention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
    });
    this.role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: "Lienthong stream-events: the table's stream, the statistics items",
    });
    this.logGroup.grantWrite(this.role);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "StatsItems",
        actions: [
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
          "dynamodb:ConditionCheckItem",
          "dynamodb:Query",
        ],
        resources: [table.tableArn],
      }),
    );

    this.deadLetterQueue = new Queue(this, "DeadLetters", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    const sourceMap = sourceMapsRequested(this);
    this.function = new NodejsFunction(this, "Function", {
      description: "Lienthong: consumers of the table's stream (statistics, webhooks)",
      entry: props.entry ?? join(REPO_ROOT, STREAM_HANDLER_ENTRY),
      handler: "handler",
      runtime: FUNCTION_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(60),
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      environment: {
        TABLE_NAME: table.tableName,
        BUCKET_NAME: props.bucketName,
        [SEND_POLICY_VARIABLE]: props.sendPolicy,
        ...(sourceMap ? { NODE_OPTIONS: "--enable-source-maps" } : {}),
      },
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, "package-lock.json"),
      bundling: routeBundling({ sourceMap }),
    });
    this.function.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: STREAM_BATCHING_WINDOW,
        bisectBatchOnError: true,
        retryAttempts: 10,
        maxRecordAge: Duration.hours(24),
        onFailure: new SqsDlq(this.deadLetterQueue),
      }),
    );

    const acknowledgments: Acknowledgment[] = [
      {
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "X-Ray active tracing (xray:PutTraceSegments/PutTelemetryRecords) and dynamodb:ListStreams " +
          "(granted by the event source mapping) support no resource-level permissions.",
      },
    ];
    for (const acknowledgment of acknowledgments) {
      Validations.of(this.role).acknowledge(acknowledgment);
    }
    Validations.of(this.deadLetterQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason: "This queue is itself the dead-letter destination of the stream's event source mapping.",
    });
  }
}
