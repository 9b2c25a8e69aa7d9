import { Validator } from "@seriousme/openapi-schema-validator";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { contractOf } from "../../functions/contracts.ts";
import { ROUTES } from "../../functions/routes.ts";
import { uploadFile } from "../../local/api-client.ts";
import { createLienthongClient, type LienthongClient, LienthongError, ok } from "../../sdk/index.ts";
import { letterMetadata, organClients, organCodes, sha256, signedPdf } from "../support/exchange.ts";

/**
 * The local exchange serves its OpenAPI document and reference page, and the typed SDK drives it:
 * a letter created, uploaded and sent by one organ shows up in the other's inbox.
 */

let apiUrl: string;
let codes: string[];
let sender: LienthongClient;
let recipient: LienthongClient;

beforeAll(() => {
  apiUrl = inject("apiUrl");
  codes = organCodes();
  const [senderKey, recipientKey] = organClients("integration").map((client) => client.apiKey);
  sender = createLienthongClient({ url: apiUrl, key: senderKey! });
  recipient = createLienthongClient({ url: apiUrl, key: recipientKey! });
});

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document naming every route, without a key", async () => {
    const response = await fetch(`${apiUrl}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const document = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    const result = await new Validator().validate(document as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toMatch(/^3\.1\./);
    for (const route of ROUTES) {
      expect(
        document.paths[route.path]?.[route.method.toLowerCase()],
        `${route.method} ${route.path}`,
      ).toBeDefined();
    }
  });

  it("has its reference page at /docs", async () => {
    const response = await fetch(`${apiUrl}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const page = await response.text();
    expect(page).toContain("<code>POST /v1/letters</code>");
    expect(page).not.toMatch(/<script|<link|src=/i);
  });
});

describe("the SDK against the local exchange", () => {
  it("creates, uploads and sends a letter, which the recipient's inbox lists", async () => {
    const pdf = await signedPdf(codes[0]!);
    const created = await ok(
      sender.POST("/v1/letters", {
        body: {
          ...letterMetadata([codes[1]!]),
          file: { name: "cong-van.pdf", size: pdf.length, sha256: sha256(pdf) },
        },
      }),
    );
    expect(created.letter.state).toBe("draft");
    await uploadFile(created.upload, pdf);
    const sent = await ok(
      sender.POST("/v1/letters/{id}/send", { params: { path: { id: created.letter.id } } }),
    );
    expect(sent.state).toBe("sent");

    const inbox = await ok(recipient.GET("/v1/inbox", { params: { query: { limit: "100" } } }));
    const item = inbox.items.find((entry) => entry.letterId === created.letter.id);
    expect(item).toMatchObject({ sender: codes[0], status: "01", subject: created.letter.subject });

    // The answers are what the document says they are (the contracts' response schemas).
    for (const [route, answer] of [
      ["create-letter", created],
      ["send-letter", sent],
      ["list-inbox", inbox],
    ] as const) {
      const checked = contractOf(route)!.response.safeParse(answer);
      expect(checked.error?.issues ?? [], route).toEqual([]);
    }
  });

  it("rejects a refusal with the problem's code and request id", async () => {
    const error = await recipient
      .GET("/v1/letters/{id}", { params: { path: { id: "00000000-0000-4000-8000-000000000000" } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LienthongError);
    expect(error).toMatchObject({ code: "LETTER_NOT_FOUND", status: 404 });
    expect((error as LienthongError).requestId).toMatch(/^[0-9a-f-]{36}$/);

    const wrongKey = createLienthongClient({ url: apiUrl, key: "lt_not_a_key" });
    await expect(wrongKey.GET("/v1/inbox")).rejects.toMatchObject({ code: "UNAUTHENTICATED", status: 401 });
  });
});
