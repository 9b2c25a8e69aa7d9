/**
 * Exchange benchmark (issue 10): `npm run bench:exchange [-- --letters 1000 --clients 16
 * --fanout-letters 20 --fanout 500 --fanout-clients 4 --warmup 200]`. Not part of the test suite.
 *
 * Starts the local runtime in this process (DynamoDB Local, the S3 server, the real handler modules
 * behind the local API server on loopback), then drives it over HTTP with concurrent clients doing
 * today's flow for each letter: create, upload the signed ~33 KB PDF with the presigned URL, send
 * (verified as always; policy record-only, so an admin policy cannot refuse the demo signature).
 * Afterwards it reads every recipient's inbox to the end and counts lost and duplicated copies.
 *
 * Two phases: many letters to 3 recipients (the demo organs), and a few to `--fanout` recipients
 * (organs added through the ledger). For each it prints letters/s, deliveries/s, p50/p95/p99 of the
 * send call, lost and duplicated, and per letter the DynamoDB write and read units (base table and
 * indexes, from ReturnConsumedCapacity) and S3 requests, counted by a wrapper on the SDK clients'
 * `send` (test/support/sdk-meter.ts) plus the client's own upload PUT. The 50 letters/s goal is
 * printed against the measured rate, and so is the storage floor: the same DynamoDB and S3 requests
 * per letter made straight through the SDK by as many clients (runStorageFloor), the most any
 * exchange code could reach on this machine. The load average says how busy the machine was.
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import {
  addOrgans,
  type BenchRuntime,
  clientOf,
  countInboxes,
  cpuMs,
  type FlowResult,
  percentile,
  runFlows,
  runStorageFloor,
  type SdkCounts,
  signedLetter,
  startBenchRuntime,
} from "../test/support/exchange-bench.ts";
import { total } from "../test/support/sdk-meter.ts";

const GOAL_LETTERS_PER_SECOND = 50;
const WRITE_LABEL = /^(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems):/;

const { values } = parseArgs({
  options: {
    letters: { type: "string", default: "1000" },
    clients: { type: "string", default: "16" },
    "fanout-letters": { type: "string", default: "20" },
    fanout: { type: "string", default: "500" },
    "fanout-clients": { type: "string", default: "4" },
    warmup: { type: "string", default: "200" },
  },
});
const count = (name: keyof typeof values) => Number(values[name]);

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "-");

function report(
  name: string,
  result: FlowResult,
  recipients: number,
  counted: { lost: number; duplicated: number },
  counts: SdkCounts,
): number {
  const letters = result.letterIds.length;
  const seconds = result.wallMs / 1000;
  const rate = letters / seconds;
  const per = (n: number) => fmt(n / Math.max(1, letters), 2);
  const s3 = total(counts.s3Calls) + letters; // + the client's presigned upload
  console.log(`\n${name}: ${letters} letters × ${recipients} recipients in ${fmt(seconds)} s`);
  console.log(`  letters/s            ${fmt(rate)}`);
  console.log(`  deliveries/s         ${fmt((letters * recipients) / seconds)}`);
  console.log(
    `  send latency ms      p50 ${fmt(percentile(result.sendMs, 50), 0)}  p95 ${fmt(percentile(result.sendMs, 95), 0)}  p99 ${fmt(percentile(result.sendMs, 99), 0)}` +
      `  (whole flow p50 ${fmt(percentile(result.flowMs, 50), 0)})`,
  );
  console.log(`  lost / duplicated    ${counted.lost} / ${counted.duplicated}`);
  console.log(
    `  failed flows         ${result.failures.length}${result.failures[0] ? ` (first: ${result.failures[0]})` : ""}`,
  );
  // The table's write units, by who wrote them: the letter's own path (create, commit, copies,
  // `sent`: the 3 + N goal), the recipient list items (once per distinct long list), and the
  // stream consumers' statistics (amortised over their batches; a Lambda of its own in AWS).
  const units = (match: (label: string) => boolean) =>
    Object.entries(counts.tableUnitsBy)
      .filter(([label]) => WRITE_LABEL.test(label) && match(label))
      .reduce((sum, [, n]) => sum + n, 0);
  const lists = units((label) => label.endsWith(":recipientList"));
  const stream = units((label) => label.endsWith(":streamApplied") || label.includes(":stats"));
  const path = counts.tableWriteUnits - lists - stream;
  console.log(
    `  write units/letter   ${per(path)} on the letter's path (goal 3 + N = ${3 + recipients})` +
      ` + ${per(lists)} recipient lists + ${per(stream)} statistics (stream); ${per(counts.indexWriteUnits)} on indexes`,
  );
  console.log(
    `  per letter           read units ${per(counts.tableReadUnits)} table + ${per(counts.indexReadUnits)} indexes;` +
      ` S3 requests ${per(s3)}`,
  );
  console.log(`  table units by kind  ${JSON.stringify(counts.tableUnitsBy)}`);
  console.log(`  DynamoDB calls       ${JSON.stringify(counts.dynamoCalls)}`);
  console.log(`  S3 calls (server)    ${JSON.stringify(counts.s3Calls)}`);
  return rate;
}

async function phase(
  runtime: BenchRuntime,
  name: string,
  options: { recipients: string[]; letters: number; clients: number },
): Promise<number> {
  const senderCode = runtime.exchange.keys[0]?.organCode ?? "";
  const sender = clientOf(runtime, senderCode);
  const pdf = await signedLetter(runtime, senderCode);
  // Warm-up letters, not counted: handler modules loaded, CRLs fetched, and DynamoDB Local's JVM
  // compiled (its first thousand requests cost it several times what later ones do).
  await runFlows({
    sender,
    recipients: options.recipients.slice(0, 3),
    pdf,
    letters: Math.max(1, count("warmup")),
    clients: options.clients,
  });
  runtime.meter.reset();
  const cpu = cpuMs();
  const result = await runFlows({ sender, pdf, ...options });
  const counts = structuredClone(runtime.meter.counts);
  const used = cpuMs();
  const counted = await countInboxes(runtime.ledger, options.recipients, result.letterIds);
  console.log(`  (letter PDF ${pdf.length} bytes)`);
  const rate = report(name, result, options.recipients.length, counted, counts);
  printCpu(result.letterIds.length, used.self - cpu.self, used.children - cpu.children);
  return rate;
}

/** CPU per letter, and the most letters/s this machine's cores allow at that cost. */
function printCpu(letters: number, self: number, children: number): void {
  const perLetter = (self + children) / Math.max(1, letters);
  console.log(
    `  CPU per letter       ${fmt(self / Math.max(1, letters))} ms this process (API, handlers, clients, S3 server)` +
      ` + ${fmt(children / Math.max(1, letters))} ms DynamoDB Local = ${fmt(perLetter)} ms;` +
      ` ${cpus().length} cores allow at most ${fmt((cpus().length * 1000) / perLetter)} letters/s at this cost`,
  );
}

async function main(): Promise<void> {
  const before = loadavg();
  console.log(`Exchange benchmark: load average ${before.map((n) => n.toFixed(2)).join(" ")} at start`);
  const runtime = await startBenchRuntime();
  try {
    const demo = [...new Set(runtime.exchange.keys.map((k) => k.organCode))];
    const rate = await phase(runtime, "3 recipients", {
      recipients: demo.slice(1, 4),
      letters: count("letters"),
      clients: count("clients"),
    });
    const floorCpu = cpuMs();
    const floor = await runStorageFloor(runtime, {
      recipients: 3,
      letters: count("letters"),
      clients: count("clients"),
      pdf: await signedLetter(runtime, demo[0] ?? ""),
    });
    const floorUsed = cpuMs();
    const floorRate = floor.letters / (floor.wallMs / 1000);
    console.log(
      `\nstorage floor (the same DynamoDB and S3 requests per letter, straight through the SDK, ${count("clients")} clients):` +
        `\n  letters/s            ${fmt(floorRate)}; the exchange reaches ${fmt((100 * rate) / floorRate, 0)}% of it`,
    );
    printCpu(floor.letters, floorUsed.self - floorCpu.self, floorUsed.children - floorCpu.children);
    const wide = await addOrgans(runtime, count("fanout"), 700 + Math.floor(Math.random() * 200));
    await phase(runtime, `${wide.length} recipients`, {
      recipients: wide,
      letters: count("fanout-letters"),
      clients: count("fanout-clients"),
    });
    console.log(
      `\n3 recipients: ${fmt(rate)} letters/s = ${fmt((100 * rate) / GOAL_LETTERS_PER_SECOND, 0)}% of the ${GOAL_LETTERS_PER_SECOND} letters/s goal;` +
        ` storage floor ${fmt(floorRate)} letters/s` +
        ` (load average ${loadavg()
          .map((n) => n.toFixed(2))
          .join(" ")} at the end; DynamoDB Local, the S3 server, the API and the clients share this machine)`,
    );
  } finally {
    await runtime.stop();
  }
}

await main();
