import { Duration } from "aws-cdk-lib";
import { Rule, RuleTargetInput, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { Construct } from "constructs";

/** The route whose function also sweeps interrupted sends (functions/send-letter/handler.ts). */
export const SEND_ROUTE = "send-letter";

/** The `source` of the rule's events (functions/send-letter/handler.ts: SEND_SWEEP_SOURCE). */
export const SEND_SWEEP_SOURCE = "lienthong.send-sweep";

/** Options of {@link SendSweep}. */
export interface SendSweepProps {
  /** The `send-letter` route's function, which answers both API requests and the sweep's events. */
  readonly sendFunction: NodejsFunction;
}

/**
 * The background sweep of interrupted sends (issue 10 item 3): every 5 minutes an EventBridge rule
 * invokes the `send-letter` function, which completes letters still `sending` a minute after their
 * commit (their request died: a timeout, a crash), each recipient receiving its copy once. No
 * function of its own: the route's function, role and grants are exactly what completing a send
 * needs. A run that fails is not retried (the next one, 5 minutes later, takes it up).
 */
export class SendSweep extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: SendSweepProps) {
    super(scope, id);
    this.rule = new Rule(this, "Every5Minutes", {
      description: "Lienthong: complete sends interrupted after their commit",
      schedule: Schedule.rate(Duration.minutes(5)),
      targets: [
        new LambdaFunction(props.sendFunction, {
          event: RuleTargetInput.fromObject({ source: SEND_SWEEP_SOURCE }),
          retryAttempts: 0,
          maxEventAge: Duration.minutes(5),
        }),
      ],
    });
  }
}
