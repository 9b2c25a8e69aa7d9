import { Duration } from "aws-cdk-lib";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import { Rule, RuleTargetInput, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement, type Role } from "aws-cdk-lib/aws-iam";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { Construct } from "constructs";
import { TABLE_SCHEMA } from "../shared/storage/schema.ts";

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
 * the admin routes). The notifier runs outside any VPC, so receivers are reached over the internet
 * only (endpoint URLs to private addresses are refused at registration).
 */
export class Webhooks extends Construct {
  readonly rule: Rule;

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
