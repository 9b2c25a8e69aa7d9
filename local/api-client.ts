/**
 * A small client for the Lienthong API, used by `npm run demo` and by the integration tests.
 * It speaks plain HTTP with fetch, as any office software would.
 */
import { createHash } from "node:crypto";

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly contentType: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { code?: string; detail?: string; title?: string },
  ) {
    super(`${status} ${body.code ?? ""}: ${body.detail ?? body.title ?? ""}`);
  }
}

export class LienthongClient {
  constructor(
    readonly baseUrl: string,
    readonly apiKey: string,
  ) {}

  /** Any request; never throws for an HTTP status (tests look at it). */
  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    });
    const contentType = response.headers.get("content-type") ?? "";
    const text = await response.text();
    return { status: response.status, contentType, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** A request that must succeed. */
  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.request<T>(method, path, body);
    if (response.status >= 400) {
      throw new ApiError(response.status, response.body as { code?: string });
    }
    return response.body;
  }

  /** Create a letter, upload its PDF with the presigned URL, and send it. */
  async sendLetter(
    metadata: Omit<LetterRequest, "file">,
    pdf: Uint8Array,
    fileName: string,
  ): Promise<SentLetter> {
    const created = await this.createLetter(metadata, pdf, fileName);
    await uploadFile(created.upload, pdf);
    return this.call<SentLetter>("POST", `/v1/letters/${created.letter.id}/send`);
  }

  createLetter(
    metadata: Omit<LetterRequest, "file">,
    pdf: Uint8Array,
    fileName: string,
  ): Promise<CreatedLetter> {
    return this.call<CreatedLetter>("POST", "/v1/letters", {
      ...metadata,
      file: {
        name: fileName,
        contentType: "application/pdf",
        size: pdf.length,
        sha256: createHash("sha256").update(pdf).digest("hex"),
      },
    });
  }
}

/** PUT the bytes to a presigned upload, sending exactly the headers it was signed with. */
export async function uploadFile(upload: CreatedLetter["upload"], body: Uint8Array): Promise<number> {
  const { "content-length": _length, ...headers } = upload.headers;
  const response = await fetch(upload.url, { method: upload.method, headers, body });
  if (!response.ok) {
    throw new Error(`upload failed: ${response.status} ${await response.text()}`);
  }
  return response.status;
}

export interface LetterRequest {
  code: { number: string; notation: string };
  documentType: string;
  subject: string;
  recipients: string[];
  urgency?: number;
  dueDate?: string;
  file: { name: string; contentType: string; size: number; sha256: string };
}

export interface CreatedLetter {
  letter: { id: string; state: string };
  upload: { method: "PUT"; url: string; headers: Record<string, string>; expiresAt: string };
}

export interface SentLetter {
  id: string;
  state: string;
  sender: string;
  recipients: string[];
  deliveries: { organCode: string; status: string; reason?: string; updatedAt?: string }[];
  download?: { url: string; expiresAt: string };
}
