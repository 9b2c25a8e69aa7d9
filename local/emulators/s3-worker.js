// The S3-compatible server (s3rver) on a thread of its own, started by s3-server.ts. Plain
// JavaScript so that it loads in a worker whatever ran the parent (tsx, vitest).
import { mkdirSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import S3rver from "s3rver";

const { directory, port } = workerData;
mkdirSync(directory, { recursive: true });
const server = new S3rver({ address: "127.0.0.1", port, silent: true, directory, vhostBuckets: false });
await server.run();
parentPort.on("message", async (message) => {
  if (message === "stop") {
    // Keep-alive connections from the SDK would hold close() open.
    server.httpServer?.closeAllConnections();
    await server.close();
    parentPort.close(); // nothing keeps the thread alive: it ends
  }
});
parentPort.postMessage("ready");
