/**
 * A real webhook receiver for tests: node:http on 127.0.0.1 (random port), checking every request
 * with the `standardwebhooks` package as a receiver in the field would. It can go down and come
 * back on the same port, answer with any status, or hold requests without ever answering.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export interface Received {
  readonly id: string;
  readonly timestamp: string;
  readonly body: string;
  readonly payload: unknown;
}

/** What the receiver does with a request whose signature checked out. */
export type Behaviour =
  | {
      readonly kind: "answer";
      readonly status: number;
      readonly body?: string;
      readonly headers?: Record<string, string>;
    }
  | { readonly kind: "hang" }
  /** Streams a body without end (to check that the sender reads only a bounded part). */
  | { readonly kind: "endless"; readonly status: number };

export class Receiver {
  /** Requests whose signature verified, in arrival order (duplicates included). */
  readonly received: Received[] = [];
  /** Requests that failed verification (answered 401). */
  readonly refused: string[] = [];
  behaviour: Behaviour = { kind: "answer", status: 204 };
  readonly #server: Server;
  readonly #verifier: Webhook;
  #port = 0;

  private constructor(secret: string) {
    this.#verifier = new Webhook(secret);
    this.#server = createServer((req, res) => {
      this.#handle(req, res);
    });
  }

  static async start(secret: string): Promise<Receiver> {
    const receiver = new Receiver(secret);
    await receiver.up();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}/hooks`;
  }

  get ids(): string[] {
    return this.received.map((r) => r.id);
  }

  /** Listens (again) on the same port. */
  up(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(this.#port, "127.0.0.1", () => {
        this.#server.off("error", reject);
        this.#port = (this.#server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  /** Stops listening and drops every connection: the receiver is down. */
  down(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = {
        "webhook-id": String(req.headers["webhook-id"] ?? ""),
        "webhook-timestamp": String(req.headers["webhook-timestamp"] ?? ""),
        "webhook-signature": String(req.headers["webhook-signature"] ?? ""),
      };
      let payload: unknown;
      try {
        payload = this.#verifier.verify(body, headers);
      } catch (error) {
        this.refused.push(String(error));
        res.writeHead(401).end("bad signature");
        return;
      }
      this.received.push({
        id: headers["webhook-id"],
        timestamp: headers["webhook-timestamp"],
        body,
        payload,
      });
      const behaviour = this.behaviour;
      if (behaviour.kind === "hang") {
        return;
      }
      if (behaviour.kind === "endless") {
        res.writeHead(behaviour.status, { "content-type": "text/plain" });
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk)) {
            // keep writing until the socket pushes back
          }
          if (!res.destroyed) {
            res.once("drain", pump);
          }
        };
        pump();
        return;
      }
      res.writeHead(behaviour.status, behaviour.headers).end(behaviour.body ?? "");
    });
  }
}

/** Runs `step` until `done()` holds, a bounded number of times (no timing assertion: just a cap). */
export async function until(
  done: () => boolean | Promise<boolean>,
  step: () => Promise<unknown>,
  options: { readonly pauseMs?: number; readonly maxSteps?: number } = {},
): Promise<void> {
  const maxSteps = options.maxSteps ?? 2000;
  for (let i = 0; i < maxSteps; i++) {
    await step();
    if (await done()) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 10));
  }
  throw new Error(`condition not reached after ${maxSteps} steps`);
}
