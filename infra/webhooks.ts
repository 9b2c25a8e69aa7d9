import { Duration, Validations } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import { Rule, RuleTargetInput, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement, type Role } from "aws-cdk-lib/aws-iam";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { TABLE_SCHEMA } from "../shared/storage/schema.ts";
import { WEBHOOK_DLQ_URL_VARIABLE } from "../shared/storage/sqs-dead-letters.ts";

/** The `source` of the rule's events (functions/stream-events/handler.ts: WEBHOOK_DELIVER_SOURCE). */
export const WEBHOOK_DELIVER_SOURCE = "lienthong.webhook-deliver";

/** Options of {@link Webhooks}. */
export interface WebhooksProps {
  readonly table: Table;
  /** The stream consumer's function and role: they enqueue, deliver and run the scheduled pass. */
  readonly streamFunction: NodejsFunction;
  readonly streamRole: Role;
}

/**
 * Outgoing webhooks in AWS (issue 11 item 2). The stream consumer enqueues each event into the
 * outbox (items in the table, shared/storage/dynamo-webhooks.ts) and makes one delivery pass at
 * once; an EventBridge rule invokes the same function every minute for the retries (the schedule
 * spans more than 24 hours) and for anything a crash left claimed (its lease runs out). No function
 * of its own: the stream function already bundles the notifier, and its role gets exactly what the
 * outbox needs. The dead-letter queue is the outbox's own `dead` state (listed and redelivered by
 * the admin routes); each parking is also announced on an SQS queue (ids, type, attempts, last
 * error: shared/webhooks/dead-letters.ts), kept 14 days, with an alarm while it holds any message.
 * Nothing reads that queue but people: redelivery deletes nothing there. The notifier runs outside any VPC, so receivers are reached over the internet
 * only (endpoint URLs to private addresses are refused at registration).
 */
export class Webhooks extends Construct {
  readonly rule: Rule;
  /** Announcements of parked messages (shared/storage/sqs-dead-letters.ts); the table stays the record. */
  readonly deadLetters: Queue;
  /** In ALARM while the queue holds a message: someone should look at the dead letters. */
  readonly deadLettersAlarm: Alarm;

  constructor(scope: Construct, id: string, props: WebhooksProps) {
    super(scope, id);
    props.streamRole.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "WebhookOutbox",
        actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
        // The due and dead-letter partitions are in GSI1, an organ's endpoints and dead letters in GSI2.
        resources: [
          props.table.tableArn,
          ...TABLE_SCHEMA.globalIndexes.map((index) => `${props.table.tableArn}/index/${index.indexName}`),
        ],
      }),
    );
    this.deadLetters = new Queue(this, "DeadLetters", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    props.streamRole.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "WebhookDeadLetters",
        actions: ["sqs:SendMessage"],
        resources: [this.deadLetters.queueArn],
      }),
    );
    props.streamFunction.addEnvironment(WEBHOOK_DLQ_URL_VARIABLE, this.deadLetters.queueUrl);
    Validations.of(this.deadLetters).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        "This queue is itself a dead-letter destination (parked webhook messages); nothing consumes it to fail again.",
    });
    this.deadLettersAlarm = new Alarm(this, "DeadLettersVisible", {
      alarmDescription:
        "Lienthong: webhook messages were parked (GET /v1/admin/webhooks/dead lists them; POST .../{webhookId}/redeliver)",
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: "Maximum",
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    this.rule = new Rule(this, "EveryMinute", {
      description: "Lienthong: deliver due webhook messages (retries, expired claims)",
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [
        new LambdaFunction(props.streamFunction, {
          event: RuleTargetInput.fromObject({ source: WEBHOOK_DELIVER_SOURCE }),
          retryAttempts: 0,
          maxEventAge: Duration.minutes(1),
        }),
      ],
    });
  }
}
