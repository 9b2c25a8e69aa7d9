/**
 * The stream consumer's event source mapping (infra/stream-consumer.ts): batches of at most 100
 * records gathered for at most a second, from the trim horizon, bisected on error, with an
 * on-failure queue. The stack is built with no routes and without bundling (the function's code is
 * not under test here), cdk-nag included.
 */
import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../../infra/create-app.ts";
import { STREAM_BATCHING_WINDOW } from "../../../infra/stream-consumer.ts";
import { tempFolder } from "./helpers.ts";

let template: Template;
let removeOutdir: () => Promise<void>;

beforeAll(async () => {
  const outdir = await tempFolder("lienthong-infra-stream-");
  removeOutdir = outdir.remove;
  const created = createApp({
    profile: "dev",
    outdir: outdir.path,
    routes: [],
    context: { "aws:cdk:bundling-stacks": [] },
  });
  created.app.synth();
  template = Template.fromStack(created.stack);
});

afterAll(async () => {
  await removeOutdir?.();
});

describe("the stream consumer's event source mapping", () => {
  it("gathers up to 100 records for at most a second, in order from the trim horizon, bisecting failures", () => {
    const mappings = Object.values(template.findResources("AWS::Lambda::EventSourceMapping"));
    expect(mappings).toHaveLength(1);
    expect(STREAM_BATCHING_WINDOW.toSeconds()).toBe(1);
    expect(mappings[0]?.Properties).toMatchObject({
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      StartingPosition: "TRIM_HORIZON",
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 86_400,
      DestinationConfig: { OnFailure: { Destination: expect.anything() } },
    });
  });
});
