import { mkdirSync } from "node:fs";
import S3rver from "s3rver";
import { freePort } from "./ports.ts";

/** An S3-compatible server (s3rver) in this process, storing objects in a directory. */
export interface S3Server {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startS3Server(options: { directory: string; port?: number }): Promise<S3Server> {
  mkdirSync(options.directory, { recursive: true });
  const port = options.port ?? (await freePort());
  const server = new S3rver({
    address: "127.0.0.1",
    port,
    silent: true,
    directory: options.directory,
    vhostBuckets: false,
  });
  await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: async () => {
      // Keep-alive connections from the SDK would hold close() open.
      server.httpServer?.closeAllConnections();
      await server.close();
    },
  };
}
