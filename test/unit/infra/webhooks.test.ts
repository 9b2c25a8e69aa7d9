/**
 * The webhooks' dead-letter announcements in AWS (infra/webhooks.ts): the SQS queue, who may send
 * to it, the stream function's environment and the alarm. The stack is built with no routes and
 * without bundling (the stream function's code is not under test here), cdk-nag included: a new
 * unacknowledged finding fails `synth()`.
 */

import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../../infra/create-app.ts";
import type { LienthongStack } from "../../../infra/lienthong-stack.ts";
import { Webhooks } from "../../../infra/webhooks.ts";
import { WEBHOOK_DLQ_URL_VARIABLE } from "../../../shared/storage/sqs-dead-letters.ts";
import { allowedActions, logicalIdOf, render, roleStatements, tempFolder } from "./helpers.ts";

let stack: LienthongStack;
let template: Template;
let queueId: string;
let removeOutdir: () => Promise<void>;

beforeAll(async () => {
  const outdir = await tempFolder("lienthong-infra-webhooks-");
  removeOutdir = outdir.remove;
  const created = createApp({
    profile: "dev",
    outdir: outdir.path,
    routes: [],
    context: { "aws:cdk:bundling-stacks": [] },
  });
  stack = created.stack;
  created.app.synth();
  template = Template.fromStack(stack);
  const webhooks = stack.node.findAll().find((c): c is Webhooks => c instanceof Webhooks);
  queueId = logicalIdOf(webhooks!.deadLetters, stack);
});

afterAll(async () => {
  await removeOutdir?.();
});

describe("the webhooks' dead-letter queue", () => {
  it("is encrypted (SSE-SQS) and keeps messages 14 days", () => {
    const queue = template.findResources("AWS::SQS::Queue")[queueId]!;

    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86_400,
    });
  });

  it("refuses any request not over TLS", () => {
    const policies = Object.values(template.findResources("AWS::SQS::QueuePolicy")).filter((policy) =>
      (policy.Properties.Queues as unknown[]).map(render).includes(`<${queueId}>`),
    );
    expect(policies).toHaveLength(1);
    const statements = policies[0]!.Properties.PolicyDocument.Statement as Record<string, unknown>[];

    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: "sqs:*",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      }),
    );
  });

  it("only the stream function's role may send to it, and only sqs:SendMessage", () => {
    const queueArn = `<${queueId}.Arn>`;
    const streamRoleId = logicalIdOf(stack.streamConsumer.role, stack);
    for (const roleId of Object.keys(template.findResources("AWS::IAM::Role"))) {
      const onQueue = [...allowedActions(roleStatements(template, roleId))]
        .filter(([, resources]) => resources.some((r) => r === queueArn || r === "*"))
        .map(([action]) => action)
        .filter((action) => action.startsWith("sqs:") || action === "*");
      expect(onQueue, roleId).toEqual(roleId === streamRoleId ? ["sqs:SendMessage"] : []);
    }
    expect(roleStatements(template, streamRoleId).find((s) => s.sid === "WebhookDeadLetters")).toEqual({
      sid: "WebhookDeadLetters",
      effect: "Allow",
      actions: ["sqs:SendMessage"],
      resources: [queueArn],
      condition: undefined,
    });
  });

  it(`gives the stream function its URL as ${WEBHOOK_DLQ_URL_VARIABLE}`, () => {
    const fn =
      template.findResources("AWS::Lambda::Function")[logicalIdOf(stack.streamConsumer.function, stack)]!;
    const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

    expect(render(variables[WEBHOOK_DLQ_URL_VARIABLE])).toBe(`<${queueId}>`);
  });

  it("raises an alarm while any message is visible in it", () => {
    const alarms = Object.values(template.findResources("AWS::CloudWatch::Alarm")).filter(
      (alarm) =>
        (alarm.Properties.Dimensions as { Value: unknown }[] | undefined)?.some(
          (d) => render(d.Value) === `<${queueId}.QueueName>`,
        ) ?? false,
    );

    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.Properties).toMatchObject({
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Statistic: "Maximum",
      ComparisonOperator: "GreaterThanThreshold",
      Threshold: 0,
      EvaluationPeriods: 1,
    });
  });
});
