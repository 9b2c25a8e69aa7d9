/**
 * `npm start`: the whole exchange on this machine, until Ctrl-C.
 *
 *   npm start                       keep data in .data/ across restarts
 *   npm start -- --reset            wipe .data/ first
 *   npm start -- --port 3001        serve the API elsewhere (default 3000, or $PORT)
 */
import { existsSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { DemoKey } from "./bootstrap.ts";
import { lockDataDir } from "./data-lock.ts";
import { startLocalExchange } from "./exchange.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const HELP = `Usage: npm start -- [options]

Runs Lienthong locally: DynamoDB Local, an S3-compatible server, demo organs, the demo PKI's
CRL, OCSP and timestamp servers, and the API, all on 127.0.0.1 only. One runtime per data
directory (it is locked while running); Ctrl-C or SIGTERM stops everything.

Options:
  --port <n>        API port (default: $PORT or 3000)
  --data-dir <dir>  where tables, files, demo keys and the demo PKI are kept (default: .data)
  --crl-port <n>    port of the demo CAs' CRL distribution point, written into the demo
                    certificates when the PKI is made (default: 8790; the OCSP responder
                    gets the next port)
  --reset           wipe the data directory first
  -h, --help        show this help

Environment:
  LIENTHONG_SEND_POLICY  which verification verdicts send delivers: require-total-passed
                         (default), allow-indeterminate or record-only`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      "data-dir": { type: "string" },
      "crl-port": { type: "string" },
      reset: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const port = Number(values.port ?? process.env["PORT"] ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`lienthong: --port must be a port number, got '${values.port}'`);
    return 2;
  }
  const crlPort = values["crl-port"] === undefined ? undefined : Number(values["crl-port"]);
  if (crlPort !== undefined && (!Number.isInteger(crlPort) || crlPort < 1 || crlPort > 65534)) {
    console.error(`lienthong: --crl-port must be a port number, got '${values["crl-port"]}'`);
    return 2;
  }
  const dataDir = resolve(values["data-dir"] ?? join(root, ".data"));
  if (values.reset) {
    if (existsSync(dataDir)) {
      lockDataDir(dataDir).release(); // refuses to wipe a directory another runtime is using
    }
    rmSync(dataDir, { recursive: true, force: true });
    console.log(`Wiped ${dataDir}`);
  }

  // Stop on Ctrl-C, on SIGTERM (npm forwards it; `exec` in package.json makes this process npm's
  // child), and when whoever started this process is gone (its parent was killed).
  let stopRequested: (reason: string) => void = () => undefined;
  const stopSignal = new Promise<string>((resolveStop) => {
    stopRequested = resolveStop;
  });
  // `on`, not `once`: Ctrl-C reaches this process twice (from the terminal and forwarded by npm),
  // and a second, unhandled SIGINT would kill it before it has stopped its children.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => stopRequested(signal));
  }
  const parent = process.ppid;
  const orphanWatch = setInterval(() => {
    if (process.ppid !== parent) {
      stopRequested("the process that started npm start is gone");
    }
  }, 1000);
  orphanWatch.unref();

  const exchange = await startLocalExchange({
    root,
    cacheDir: join(root, ".cache"),
    dataDir,
    apiPort: port,
    ...(crlPort ? { crlPort } : {}),
    onProgress: (step) => console.log(`… ${step}`),
    onTrouble: (message) => console.error(message),
  });

  const demoFlags = [
    ...(exchange.apiUrl === "http://127.0.0.1:3000" ? [] : ["--url", exchange.apiUrl]),
    ...(dataDir === join(root, ".data") ? [] : ["--data-dir", dataDir]),
  ];
  const demoCommand = `npm run demo${demoFlags.length ? ` -- ${demoFlags.join(" ")}` : ""}`;
  console.log(`
Lienthong is running (every server on 127.0.0.1 only).

  API          ${exchange.apiUrl}/v1
  DynamoDB     ${exchange.config.dynamodbEndpoint} (table ${exchange.config.tableName})
  S3           ${exchange.config.s3Endpoint} (bucket ${exchange.config.bucketName})
  Data         ${dataDir} (locked while this runs)
  Demo PKI     ${exchange.pkiDir} (password lienthong-demo; trusted root: root-ca.pem)
  CRLs         ${exchange.crlUrls.join("  ")}
  OCSP         ${exchange.ocspUrl}
  TSA          ${exchange.tsaUrl} (RFC 3161)
  Send policy  ${exchange.sendPolicy} (set with LIENTHONG_SEND_POLICY)

Demo organs and their API keys (Authorization: Bearer <key>), one per role:
${keyList(exchange.keys)}

Try it: ${demoCommand}   (sends a letter from the first organ to two others)
Press Ctrl-C to stop.`);
  for (const server of exchange.exposed) {
    console.error(`
!! WARNING: ${server} listens on EVERY network interface and accepts any credentials:
!! anyone who can reach this machine can read and change the exchange's tables, API keys included.
!! This Java cannot run the launcher that binds it to 127.0.0.1 (it lacks the jdk.compiler module;
!! Debian's openjdk-17-jre-headless has it). Use such a Java only on a machine no one else can reach.`);
  }

  const outcome = await Promise.race([
    stopSignal.then((reason) => ({ reason })),
    exchange.failed.then((error) => ({ error })),
  ]);
  clearInterval(orphanWatch);
  if ("error" in outcome) {
    console.error(`lienthong: stopped: ${outcome.error.message}`);
    return 1;
  }
  console.log(`\n${outcome.reason}: stopping…`);
  await exchange.stop();
  console.log("Stopped.");
  return 0;
}

/** What each demo key's role is for (the whole matrix: shared/exchange/roles.ts, README "Roles"). */
const ROLE_USE: Readonly<Record<DemoKey["role"], string>> = {
  integration: "office software: drafts, sends, reads",
  clerk: "văn thư: applies the organ's seal, sets statuses, reads",
  admin: "administers the exchange",
};

function keyList(keys: readonly DemoKey[]): string {
  const lines: string[] = [];
  for (const [index, key] of keys.entries()) {
    if (keys[index - 1]?.organCode !== key.organCode) {
      lines.push(`  ${key.organCode}  ${key.organName}`);
    }
    lines.push(`                 ${key.apiKey.padEnd(46)}  ${key.role} (${ROLE_USE[key.role]})`);
  }
  return lines.join("\n");
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`lienthong: could not start: ${error.message}`);
    process.exit(1);
  },
);
