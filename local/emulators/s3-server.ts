import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { freePort } from "./ports.ts";

/**
 * An S3-compatible server (s3rver) storing objects in a directory, on its own thread
 * (s3-worker.js): its request parsing and file I/O use the other core instead of queueing behind
 * the handlers on the main thread, as S3 would be another machine in AWS. It stops with the process.
 */
export interface S3Server {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startS3Server(options: { directory: string; port?: number }): Promise<S3Server> {
  const port = options.port ?? (await freePort());
  const worker = new Worker(new URL("./s3-worker.js", import.meta.url), {
    workerData: { directory: options.directory, port },
  });
  let running = true;
  const exited = once(worker, "exit").then(() => {
    running = false;
  });
  await new Promise<void>((resolve, reject) => {
    worker.once("message", (message) =>
      message === "ready" ? resolve() : reject(new Error(`the S3 server did not start: ${String(message)}`)),
    );
    worker.once("error", (error) => reject(new Error(`the S3 server did not start: ${error.message}`)));
    void exited.then(() => reject(new Error("the S3 server did not start: its thread ended")));
  });
  worker.unref(); // the process may end without stopping it
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: async () => {
      if (running) {
        worker.postMessage("stop");
        await exited;
      }
    },
  };
}
