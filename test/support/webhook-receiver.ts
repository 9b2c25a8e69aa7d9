/**
 * A webhook receiver for the exchange's tests: node:http on 127.0.0.1 (a free port), checking every
 * request with the `standardwebhooks` package as a receiver in the field would. Its secret is set
 * after registration (the URL must exist first); it can go down, come back, and hold requests.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export interface Delivery {
  readonly id: string;
  readonly payload: { type: string; data: Record<string, unknown> };
}

/** A receiver whose secret is set after registration (the URL must exist first); hangs on demand. */
export class TestReceiver {
  readonly verified: Delivery[] = [];
  readonly refused: string[] = [];
  secret = "";
  hang = false;
  readonly #server: Server;
  #port = 0;

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const headers = {
          "webhook-id": String(req.headers["webhook-id"] ?? ""),
          "webhook-timestamp": String(req.headers["webhook-timestamp"] ?? ""),
          "webhook-signature": String(req.headers["webhook-signature"] ?? ""),
        };
        try {
          const payload = new Webhook(this.secret).verify(Buffer.concat(chunks).toString("utf8"), headers);
          this.verified.push({ id: headers["webhook-id"], payload: payload as Delivery["payload"] });
        } catch (error) {
          this.refused.push(String(error));
          res.writeHead(401).end();
          return;
        }
        if (!this.hang) {
          res.writeHead(204).end();
        }
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}/hooks`;
  }

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

  down(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  /** The verified `letter.received` deliveries of a letter. */
  receivedOf(letterId: string): Delivery[] {
    return this.verified.filter(
      (d) => d.payload.type === "letter.received" && d.payload.data["letterId"] === letterId,
    );
  }
}

export async function receiver(): Promise<TestReceiver> {
  const r = new TestReceiver();
  await r.up();
  return r;
}
