import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import type { DemoKey } from "../local/bootstrap.ts";
import { startLocalExchange } from "../local/exchange.ts";

declare module "vitest" {
  export interface ProvidedContext {
    apiUrl: string;
    demoKeys: DemoKey[];
    s3Endpoint: string;
    dynamodbEndpoint: string;
    pkiDir: string;
  }
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Starts the emulators and the local API once per test run, as `npm start` does. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), "lienthong-test-"));
  process.env["LOG_LEVEL"] ??= "silent";
  const exchange = await startLocalExchange({
    root,
    cacheDir: join(root, ".cache"),
    dataDir,
    inMemory: true,
    apiPort: 0,
    crlPort: 0,
  });
  project.provide("apiUrl", exchange.apiUrl);
  project.provide("demoKeys", [...exchange.keys]);
  project.provide("s3Endpoint", exchange.config.s3Endpoint ?? "");
  project.provide("dynamodbEndpoint", exchange.config.dynamodbEndpoint ?? "");
  project.provide("pkiDir", exchange.pkiDir);
  return async () => {
    await exchange.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
