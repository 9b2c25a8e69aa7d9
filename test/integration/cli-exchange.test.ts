/**
 * The whole exchange through the `lienthong` command only (issue 11 item 6): each step spawns
 * cli/bin.js as a user would, with a fresh HOME and XDG_CONFIG_HOME, against the local API the
 * global setup started. Login (three profiles: the sender's office software, its clerk who seals,
 * the recipient's clerk), a letter signed with `lienthong sign`, sealed on the exchange and sent
 * to two organs (one named by code, one by its name in the directory), the recipient's inbox,
 * show, status 03, download (SHA-256 checked), the receipts (downloaded and checked with
 * `lienthong verify --detached`), edXML export, the outbox, a recall, and `lienthong audit verify`. The letter
 * carries two appendices: a signed PDF and a text file with its detached signature.
 */
import { execFile } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createCertificateAuthority, issueCertificate } from "../../devkit/pki.ts";
import { demoPki, organCodes, personEntry, samplePdf, sha256 } from "../support/exchange.ts";
import { type TempDir, tempDir } from "../support/temp-dir.ts";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "cli/bin.js");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let temp: TempDir;
let env: Record<string, string>;

/** Runs `lienthong …args` in the temp directory; never throws for an exit code. */
function lienthong(args: readonly string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: temp.dir, env: { ...env, ...extraEnv }, timeout: 50_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `lienthong … --json` that must succeed: its parsed stdout. */
async function json<T>(args: readonly string[], extraEnv?: Record<string, string>): Promise<T> {
  const run = await lienthong([...args, "--json"], extraEnv);
  expect(run.code, `lienthong ${args.join(" ")}\n${run.stderr}`).toBe(0);
  return JSON.parse(run.stdout) as T;
}

function key(organCode: string, role: "integration" | "clerk" | "admin"): string {
  const found = inject("demoKeys").find((k) => k.organCode === organCode && k.role === role);
  if (!found) {
    throw new Error(`the local exchange gave ${organCode} no ${role} key`);
  }
  return found.apiKey;
}

/** A loopback port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

let codes: string[];
let url: string;

beforeAll(async () => {
  temp = await tempDir("lienthong-cli-exchange-");
  url = inject("apiUrl");
  codes = organCodes();
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !entry[0].startsWith("LIENTHONG_"),
    ),
  );
  env = { ...inherited, HOME: join(temp.dir, "home"), XDG_CONFIG_HOME: join(temp.dir, "config") };
});

afterAll(async () => {
  await temp?.cleanup();
});

describe("the whole exchange through the lienthong CLI", () => {
  it("logs in, sends a signed and sealed letter to two organs, and the recipient handles it", async () => {
    // Login: a wrong key and an unreachable exchange are refused and save nothing.
    const wrong = await lienthong(["login", "--profile", "sender", "--url", url, "--key", "lt_wrong_key"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toMatch(
      /^lienthong login: UNAUTHENTICATED \(HTTP 401\): the API key was refused/,
    );
    expect(wrong.stderr.trim().split("\n")).toHaveLength(1);
    const closed = `http://127.0.0.1:${await closedPort()}`;
    const down = await lienthong(["login", "--url", closed, "--key", key(codes[0]!, "integration")]);
    expect(down.code).toBe(3);
    expect(down.stderr.trim()).toBe(
      `lienthong login: UNREACHABLE: cannot reach the exchange at ${closed} (ECONNREFUSED): is the URL right and the exchange running?`,
    );
    expect(() => statSync(join(temp.dir, "config", "lienthong", "profiles.json"))).toThrow();

    const sender = await json<{ profile: string; default: boolean }>([
      "login",
      "--profile",
      "sender",
      "--url",
      url,
      "--key",
      key(codes[0]!, "integration"),
    ]);
    expect(sender).toMatchObject({ profile: "sender", default: true });
    await json(["login", "--profile", "sealer", "--url", url, "--key", key(codes[0]!, "clerk")]);
    await json(["login", "--profile", "recipient", "--url", url, "--key", key(codes[1]!, "clerk")]);
    const dir = join(temp.dir, "config", "lienthong");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "profiles.json")).mode & 0o777).toBe(0o600);

    // Signed on the desk with `lienthong sign` (the competent signer's token), sealed on the exchange.
    const pki = demoPki();
    const person = personEntry(pki.manifest, codes[0]!);
    writeFileSync(join(temp.dir, "draft.pdf"), await samplePdf("CLI exchange letter"));
    const signed = await lienthong([
      "sign",
      "draft.pdf",
      "-o",
      "cong-van.pdf",
      "--p12",
      pki.path(person.p12),
      "--password",
      pki.manifest.password,
    ]);
    expect(signed.code, signed.stderr).toBe(0);

    // Two appendices: a PDF signed the same way, and a text file with its detached signature beside it.
    writeFileSync(join(temp.dir, "phu-luc-draft.pdf"), await samplePdf("CLI exchange appendix"));
    writeFileSync(join(temp.dir, "bang-ke.txt"), "Bảng kê kèm theo công văn\n");
    const p12 = ["--p12", pki.path(person.p12), "--password", pki.manifest.password];
    for (const args of [
      ["sign", "phu-luc-draft.pdf", "-o", "phu-luc.pdf", ...p12],
      ["sign-detached", "bang-ke.txt", "-o", "bang-ke.txt.p7s", ...p12],
    ]) {
      const run = await lienthong(args);
      expect(run.code, run.stderr).toBe(0);
    }

    const secondName = inject("demoKeys").find((k) => k.organCode === codes[2])!.organName;
    const send = await lienthong([
      "send",
      "cong-van.pdf",
      "--to",
      codes[1]!,
      "--to",
      secondName,
      "--number",
      "4711",
      "--notation",
      "STC-CLI",
      "--subject",
      "V/v kiểm thử dòng lệnh liên thông",
      "--sign",
      "--sign-profile",
      "sealer",
      "--attach",
      "phu-luc.pdf",
      "--attach",
      "bang-ke.txt",
      "--json",
    ]);
    expect(send.code, send.stderr).toBe(0);
    // Progress lines (stderr is not a terminal here) end at 100%; stdout is the JSON alone.
    expect(send.stderr).toMatch(/upload cong-van\.pdf: 100% \(\d+ of \d+ bytes\)/);
    const sent = JSON.parse(send.stdout) as {
      id: string;
      state: string;
      attachments: { name: string; sha256: string; verification: { kind: string; verdict: string } }[];
      file: { sha256: string };
      verification: { verdict: string; signatures: unknown[] };
      deliveries: { organCode: string; status: string }[];
    };
    expect(sent.state).toBe("sent");
    expect(sent.verification.verdict).toBe("TOTAL_PASSED");
    expect(sent.verification.signatures).toHaveLength(2); // the signer's, then the organ's seal
    expect(send.stderr).toMatch(/upload bang-ke\.txt\.p7s: 100%/);
    expect(sent.attachments.map((a) => [a.name, a.verification.kind, a.verification.verdict])).toEqual([
      ["phu-luc.pdf", "pdf", "TOTAL_PASSED"],
      ["bang-ke.txt", "detached", "TOTAL_PASSED"],
    ]);
    expect(sent.deliveries.map((d) => [d.organCode, d.status]).sort()).toEqual([
      [codes[1], "01"],
      [codes[2], "01"],
    ]);
    // The sealed file is not the one uploaded.
    expect(sent.file.sha256).not.toBe(sha256(readFileSync(join(temp.dir, "cong-van.pdf"))));
    const id = sent.id;

    // The recipient's inbox: the table names the letter with its verdict; --json has it too.
    const table = await lienthong(["inbox", "--profile", "recipient"]);
    expect(table.code, table.stderr).toBe(0);
    const line = table.stdout.split("\n").find((row) => row.startsWith(id));
    expect(line).toContain("TOTAL_PASSED");
    expect(line).toContain("4711/STC-CLI");
    const inbox = await json<{ items: { letterId: string; status: string }[] }>([
      "inbox",
      "--profile",
      "recipient",
      "--all",
    ]);
    expect(inbox.items.find((item) => item.letterId === id)?.status).toBe("01");

    const shown = await json<{ id: string; deliveries: { organCode: string }[] }>(["show", id], {
      LIENTHONG_PROFILE: "recipient",
    });
    expect(shown.id).toBe(id);
    expect(shown.deliveries.map((d) => d.organCode)).toEqual([codes[1]]);

    const accepted = await json<{ organCode: string; status: string }>([
      "status",
      id,
      "03",
      "--profile",
      "recipient",
    ]);
    expect(accepted).toMatchObject({ organCode: codes[1], status: "03" });

    const downloaded = await json<{ file: string; sha256: string }>([
      "download",
      id,
      "-o",
      "received.pdf",
      "--profile",
      "recipient",
    ]);
    expect(downloaded.sha256).toBe(sent.file.sha256);
    expect(sha256(readFileSync(join(temp.dir, "received.pdf")))).toBe(sent.file.sha256);
    const withAppendices = await json<{ files: { file: string; sha256: string }[] }>([
      "download",
      id,
      "-o",
      "received-again.pdf",
      "--attachments",
      "appendices",
      "--profile",
      "recipient",
    ]);
    expect(withAppendices.files.map((f) => f.file)).toEqual([
      "received-again.pdf",
      join("appendices", "phu-luc.pdf"),
      join("appendices", "bang-ke.txt"),
      join("appendices", "bang-ke.txt.p7s"),
    ]);
    expect(readFileSync(join(temp.dir, "appendices", "bang-ke.txt"), "utf8")).toBe(
      "Bảng kê kèm theo công văn\n",
    );
    expect(sha256(readFileSync(join(temp.dir, "appendices", "phu-luc.pdf")))).toBe(
      sha256(readFileSync(join(temp.dir, "phu-luc.pdf"))),
    );

    // edXML out: the letter package (read back offline by edxml inspect) and the copy's status package.
    const exported = await json<{ file: string }>([
      "edxml",
      "export",
      id,
      "-o",
      "cong-van.edxml",
      "--profile",
      "recipient",
    ]);
    expect(exported.file).toBe("cong-van.edxml");
    const inspected = await lienthong(["edxml", "inspect", "cong-van.edxml", "--json"]);
    expect(inspected.code, inspected.stderr).toBeLessThanOrEqual(1); // 1: parsed with warnings
    expect(inspected.stdout).toContain("4711");
    expect(inspected.stdout).toContain("STC-CLI");
    // Imported again by its sender, the package is recognised as the letter already sent.
    const reimported = await json<{ kind: string; created?: boolean; letter?: { id: string } }>([
      "edxml",
      "import",
      "cong-van.edxml",
      "--profile",
      "sender",
    ]);
    expect(reimported).toMatchObject({ kind: "letter", created: false, letter: { id } });
    const statusPackage = await lienthong(["edxml", "export", id, "--status", "--to", codes[1]!]);
    expect(statusPackage.code, statusPackage.stderr).toBe(0);
    expect(statusPackage.stdout).toMatch(/^<\?xml/);
    expect(statusPackage.stdout).toMatch(/<(\w+:)?StatusCode>03<\/(\w+:)?StatusCode>/);

    // Receipts as the sender: arrival of both copies and the acceptance, each checked by lienthong verify.
    const receipts = await json<{
      items: { recipient: string; seq: number }[];
      saved: { json: string; p7s: string }[];
    }>(["receipts", id, "--download", "receipts"]);
    expect(receipts.items.map((r) => [r.recipient, r.seq]).sort()).toEqual(
      [
        [codes[1], 0],
        [codes[1], 1],
        [codes[2], 0],
      ].sort(),
    );
    const receiptTable = await lienthong(["receipts", id]);
    expect(receiptTable.code, receiptTable.stderr).toBe(0);
    expect(receiptTable.stdout).toMatch(
      new RegExp(
        `^${codes[1]!.replaceAll(".", "\\.")}\\s+1\\s+03 Accepted and registered\\s+\\d{4}-\\d\\d-\\d\\dT\\S+\\s+${codes[1]!.replaceAll(".", "\\.")}\\s`,
        "m",
      ),
    );
    const acceptance = join("receipts", `${codes[1]}-1`);
    expect(JSON.parse(readFileSync(join(temp.dir, `${acceptance}.json`), "utf8"))).toMatchObject({
      letterId: id,
      recipient: codes[1],
      status: "03",
    });
    const checked = await lienthong([
      "verify",
      `${acceptance}.json`,
      "--detached",
      `${acceptance}.p7s`,
      "--trust",
      pki.path(pki.manifest.root),
    ]);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);

    // A second letter, for paging and filters (the filters go to the API as it takes them).
    const second = await json<{ id: string }>([
      "send",
      "cong-van.pdf",
      "--to",
      codes[1]!,
      "--number",
      "4712",
      "--notation",
      "STC-CLI",
      "--subject",
      "V/v thư thứ hai",
      "--sign",
      "--sign-profile",
      "sealer",
    ]);
    type Listing = { items: { letterId: string }[]; nextCursor?: string };
    const first = await json<Listing>(["inbox", "--profile", "recipient", "--limit", "1"]);
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toBeDefined();
    const next = await json<Listing>([
      "inbox",
      "--profile",
      "recipient",
      "--limit",
      "1",
      "--cursor",
      first.nextCursor!,
    ]);
    expect(next.items).toHaveLength(1);
    expect(next.items[0]!.letterId).not.toBe(first.items[0]!.letterId);
    const every = await json<Listing>(["inbox", "--profile", "recipient", "--limit", "1", "--all"]);
    expect(every.nextCursor).toBeUndefined();
    expect(every.items.map((item) => item.letterId)).toEqual(expect.arrayContaining([id, second.id]));
    const searched = await json<Listing>(["inbox", "--profile", "recipient", "--search", "thư thứ hai"]);
    expect(searched.items.map((item) => item.letterId)).toEqual([second.id]);
    const accepted03 = await json<Listing>(["inbox", "--profile", "recipient", "--status", "03", "--all"]);
    expect(accepted03.items.map((item) => item.letterId)).toContain(id);
    expect(accepted03.items.map((item) => item.letterId)).not.toContain(second.id);

    const outbox = await json<{ items: { id: string; state: string }[] }>(["outbox", "--limit", "100"]);
    expect(outbox.items.find((item) => item.id === id)?.state).toBe("sent");

    const recall = await json<{ recall: { purpose: string }; copies: unknown[] }>([
      "recall",
      id,
      "--reason",
      "Sai sót số ký hiệu",
    ]);
    expect(recall.recall.purpose).toBe("recall");
    expect(recall.copies).toHaveLength(2);

    // The audit chain, through the admin route (its own --url/--key, as cli/commands/audit.ts takes).
    const audit = await lienthong(["audit", "verify", id, "--json"], {
      LIENTHONG_URL: url,
      LIENTHONG_KEY: key(codes[0]!, "admin"),
    });
    expect(audit.code, audit.stderr).toBe(0);
    expect(JSON.parse(audit.stdout)).toMatchObject({ letterId: id, ok: true });
  }, 180_000);

  it("administers through lienthong admin: directory, a new organ with a key that logs in, certificates, trust, policy", async () => {
    const admin = ["--url", url, "--key", key(codes[0]!, "admin")];
    const directory = await json<{ items: { code: string }[] }>([
      "admin",
      "organs",
      "list",
      "--all",
      ...admin,
    ]);
    expect(directory.items.map((o) => o.code)).toEqual(expect.arrayContaining(codes));

    const code = "000.00.77.H53";
    const added = await json<{ code: string; status: string }>([
      "admin",
      "organs",
      "add",
      code,
      "--name",
      "Sở Thử nghiệm CLI",
      "--alias",
      "STNCLI",
      ...admin,
    ]);
    expect(added).toMatchObject({ code, status: "active" });
    const created = await json<{ key: { id: string; role: string }; secret: string }>([
      "admin",
      "keys",
      "create",
      code,
      "--role",
      "integration",
      ...admin,
    ]);
    expect(created.key.role).toBe("integration");
    // The new organ's key logs in; once revoked it is refused.
    await json(["login", "--profile", "new-organ", "--url", url, "--key", created.secret]);
    const keys = await json<{ items: { id: string }[] }>(["admin", "keys", "list", code, ...admin]);
    expect(keys.items.map((k) => k.id)).toContain(created.key.id);
    const revoked = await json<{ id: string; revokedAt?: string }>([
      "admin",
      "keys",
      "revoke",
      created.key.id,
      ...admin,
    ]);
    expect(revoked.revokedAt).toBeDefined();
    const refused = await lienthong(["inbox", "--profile", "new-organ"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^lienthong inbox: UNAUTHENTICATED \(HTTP 401\)/);

    // A certificate may be bound to one organ only, chaining to an anchor: a CA of the test's own.
    const ca = await createCertificateAuthority({
      subject: { commonName: `CLI test CA ${code}`, organization: "Lienthong test" },
      notBefore: new Date("2024-01-01T00:00:00Z"),
      notAfter: new Date("2040-01-01T00:00:00Z"),
      keyType: "ec-p256",
    });
    const leaf = await issueCertificate(ca, {
      subject: { commonName: `Văn thư ${code}` },
      notBefore: new Date("2024-01-01T00:00:00Z"),
      notAfter: new Date("2039-01-01T00:00:00Z"),
      keyType: "ec-p256",
    });
    writeFileSync(join(temp.dir, "test-ca.pem"), ca.certPem);
    writeFileSync(join(temp.dir, "leaf.pem"), leaf.certPem);
    await json(["admin", "trust", "add", join(temp.dir, "test-ca.pem"), ...admin]);
    const bound = await json<{ sha256: string }>([
      "admin",
      "certs",
      "bind",
      code,
      join(temp.dir, "leaf.pem"),
      ...admin,
    ]);
    const certs = await json<{ items: { sha256: string }[] }>(["admin", "certs", "list", code, ...admin]);
    expect(certs.items.map((c) => c.sha256)).toContain(bound.sha256);
    await json(["admin", "certs", "unbind", code, bound.sha256, ...admin]);

    const trust = await json<{ items: { sha256: string }[] }>(["admin", "trust", "list", ...admin]);
    expect(trust.items.length).toBeGreaterThan(0);

    const policy = await json<{ organs: Record<string, { verdicts: string }> }>([
      "admin",
      "policy",
      "set",
      "--organ",
      code,
      "--verdicts",
      "allow-indeterminate",
      ...admin,
    ]);
    expect(policy.organs[code]?.verdicts).toBe("allow-indeterminate");
    const cleared = await json<{ organs: Record<string, unknown> }>([
      "admin",
      "policy",
      "clear",
      "--organ",
      code,
      ...admin,
    ]);
    expect(cleared.organs[code]).toBeUndefined();

    // A clerk's key may not administer: the service's refusal, exit 1.
    const forbidden = await lienthong(["admin", "trust", "list", "--profile", "recipient"]);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toMatch(/^lienthong admin: ROLE_NOT_ALLOWED \(HTTP 403\)/);
  }, 180_000);

  it("registers, lists, tests and removes a webhook endpoint; the test call verifies with the standardwebhooks package", async () => {
    const received: { id: string; type: string; verified: boolean }[] = [];
    let secret = "";
    const receiver = createHttpServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        let verified = true;
        try {
          new Webhook(secret).verify(body, request.headers as Record<string, string>);
        } catch {
          verified = false;
        }
        const type = (JSON.parse(body) as { type: string }).type;
        received.push({ id: String(request.headers["webhook-id"]), type, verified });
        response.writeHead(verified ? 204 : 400).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    try {
      const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const added = await json<{ id: string; secret: string; events: string[] }>([
        "webhooks",
        "add",
        "--url",
        hook,
        "--event",
        "letter.received",
        "--event",
        "status.changed",
        "--profile",
        "sender",
      ]);
      expect(added.events).toEqual(["letter.received", "status.changed"]);
      secret = added.secret;
      const listed = await json<{ items: { id: string; url: string }[] }>([
        "webhooks",
        "list",
        "--profile",
        "sender",
      ]);
      expect(listed.items).toContainEqual(expect.objectContaining({ id: added.id, url: hook }));

      const tested = await json<{ outcome: string; webhookId: string }>([
        "webhooks",
        "test",
        added.id,
        "--profile",
        "sender",
      ]);
      expect(tested.outcome).toBe("delivered");
      expect(received).toContainEqual({ id: tested.webhookId, type: "webhook.test", verified: true });

      // A receiver that refuses the call: the test's outcome is a failed check, exit 1.
      secret = "whsec_" + Buffer.alloc(24, 7).toString("base64");
      const failed = await lienthong(["webhooks", "test", added.id, "--profile", "sender"]);
      expect(failed.code).toBe(1);
      expect(failed.stdout).toMatch(/failed \(HTTP 400\)/);

      await json(["webhooks", "remove", added.id, "--profile", "sender"]);
      const after = await json<{ items: { id: string }[] }>(["webhooks", "list", "--profile", "sender"]);
      expect(after.items.map((item) => item.id)).not.toContain(added.id);
      const dead = await json<{ items: unknown[] }>([
        "admin",
        "webhooks",
        "dead",
        "--url",
        url,
        "--key",
        key(codes[0]!, "admin"),
      ]);
      expect(Array.isArray(dead.items)).toBe(true);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  }, 120_000);

  it("gives one-line errors: a missing file, an unknown letter (with the request id), bad usage, an unknown profile", async () => {
    const missing = await lienthong([
      "send",
      "nowhere.pdf",
      "--to",
      codes[1]!,
      "--number",
      "1",
      "--notation",
      "X",
      "--subject",
      "S",
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toMatch(
      /^lienthong send: USAGE: cannot read letter 'nowhere\.pdf': ENOENT$/,
    );

    const unknown = await lienthong([
      "show",
      "00000000-0000-4000-8000-000000000000",
      "--profile",
      "recipient",
      "--json",
    ]);
    expect(unknown.code, unknown.stderr).toBe(1);
    expect(unknown.stderr.trim()).toMatch(
      /^lienthong show: LETTER_NOT_FOUND \(HTTP 404\): .+ \[request id [^\]]+\]$/,
    );
    // --json: the error as the one document on stdout.
    expect(JSON.parse(unknown.stdout)).toMatchObject({ error: { code: "LETTER_NOT_FOUND", status: 404 } });

    const nobody = await lienthong([
      "send",
      "cong-van.pdf",
      "--to",
      "Cơ quan không tồn tại",
      "--number",
      "1",
      "--notation",
      "X",
      "--subject",
      "S",
    ]);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr.trim()).toBe(
      "lienthong send: USAGE: --to 'Cơ quan không tồn tại': no organ of that code or name in the directory",
    );

    const usage = await lienthong(["status", "only-an-id"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim().split("\n")).toHaveLength(1);

    const noProfile = await lienthong(["inbox", "--profile", "nobody"]);
    expect(noProfile.code).toBe(2);
    expect(noProfile.stderr).toContain("no profile 'nobody'");
  }, 120_000);
});
