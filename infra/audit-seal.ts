import { Duration } from "aws-cdk-lib";
import { EventField, Rule, RuleTargetInput, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { Construct } from "constructs";

/** The route whose function seals the audit chain: on demand through the API, daily through the rule. */
export const SEAL_ROUTE = "seal-audit";

/** The `source` of the rule's events, by which the function tells them from API requests. */
export const SCHEDULED_SOURCE = "lienthong.audit-seal";

/** Options of {@link AuditSeal}. */
export interface AuditSealProps {
  /** The `seal-audit` route's function (functions/seal-audit/handler.ts answers both kinds of event). */
  readonly sealFunction: NodejsFunction;
}

/**
 * The daily seal of the audit chain (issue 10 item 8): an EventBridge rule at 00:15 Vietnam time
 * (17:15 UTC) invokes the `seal-audit` function, which seals the heads of the chains that changed
 * the day before (Merkle root, signed with the exchange's KMS key, RFC 3161 timestamp) under
 * `evidence/seals/<day>.json|.p7s`, where the bucket's Object Lock keeps it (production). A failed
 * run is retried by EventBridge for up to two hours; sealing a day again is harmless (the same
 * heads give the same root). No function of its own: the route's function, its role and its log group
 * serve both, so the same least-privilege grants apply. Its timestamp authority is the stack's
 * `tsaUrl` (`TSA_URL`, set on every timestamping route by LienthongStack): a seal without a trusted
 * time proves nothing about its day, so without one the function answers SEAL_NOT_AVAILABLE.
 */
export class AuditSeal extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: AuditSealProps) {
    super(scope, id);
    this.rule = new Rule(this, "Daily", {
      description: "Lienthong: seal yesterday's audit chain heads (Vietnam time)",
      schedule: Schedule.cron({ minute: "15", hour: "17" }),
      targets: [
        new LambdaFunction(props.sealFunction, {
          event: RuleTargetInput.fromObject({ source: SCHEDULED_SOURCE, time: EventField.time }),
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
  }
}
