import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OID } from "../../../shared/cms/algorithms.ts";
import { parseSignedData } from "../../../shared/cms/parse.ts";
import { canonicalBytes } from "../../../shared/evidence/canonical-json.ts";
import {
  appendEvent,
  type ChainEvent,
  deliveryChain,
  GENESIS,
  headOf,
  letterChain,
} from "../../../shared/evidence/chain.ts";
import { checkEvidenceSignature } from "../../../shared/evidence/check-evidence-signature.ts";
import {
  issueReceipt,
  parseReceipt,
  receiptFor,
  receiptMatchesEvent,
  statusEvent,
} from "../../../shared/evidence/receipt.ts";
import { SoftwareSigner } from "../../../shared/signing/software-signer.ts";
import { validateDetached } from "../../../shared/verification/validate-detached.ts";
import { opensslVerifyDetached } from "../../support/openssl.ts";
import { type TestPki, testPki } from "../../support/pki.ts";
import { type TempDir, tempDir } from "../../support/temp-dir.ts";
import { offlineOptions } from "../verification/helpers.ts";

const LETTER = "01JD6Z8Q4K7M2N3P5R6S7T8V9W";
const SENDER = "000.00.11.H53";
const RECIPIENT = "000.00.12.H53";
const LETTER_SHA256 = createHash("sha256").update("Công văn số 12/STC-NS").digest("hex");

let pki: TestPki;
let signer: SoftwareSigner;
let temp: TempDir;
let events: ChainEvent[];

beforeAll(async () => {
  pki = await testPki();
  signer = SoftwareSigner.fromPkcs12(pki.organisation.p12, pki.organisation.p12Password);
  temp = await tempDir("lienthong-receipt-");
  // The sender's chain holds `sent`; the copy's own chain: arrived (recorded by the exchange), refused with a reason.
  const sent = appendEvent(undefined, {
    chain: letterChain(LETTER),
    at: "2026-12-01T02:00:00.000Z",
    type: "letter.sent",
    actor: SENDER,
    data: { letterSha256: LETTER_SHA256, recipients: [RECIPIENT] },
  });
  const arrived = appendEvent(
    undefined,
    statusEvent({
      letterId: LETTER,
      letterSha256: LETTER_SHA256,
      recipient: RECIPIENT,
      status: "01",
      at: "2026-12-01T02:00:01.000Z",
      actingOrgan: "exchange",
    }),
  );
  const refused = appendEvent(
    headOf(arrived),
    statusEvent({
      letterId: LETTER,
      letterSha256: LETTER_SHA256,
      recipient: RECIPIENT,
      status: "02",
      reason: "Sai thẩm quyền giải quyết",
      at: "2026-12-01T03:15:42.000Z",
      actingOrgan: RECIPIENT,
    }),
  );
  events = [sent, arrived, refused];
});

afterAll(async () => {
  await temp?.cleanup();
});

describe("signed receipts of status changes", () => {
  it("restates the event: letter, its SHA-256, recipient, status, reason, time, acting organ, both hashes", () => {
    const [, arrived, refused] = events;
    expect(receiptFor(arrived!)).toEqual({
      letterId: LETTER,
      letterSha256: LETTER_SHA256,
      recipient: RECIPIENT,
      status: "01",
      time: "2026-12-01T02:00:01.000Z",
      actingOrgan: "exchange",
      prevEventHash: GENESIS,
      eventHash: arrived!.hash,
    });
    expect(receiptFor(refused!)).toMatchObject({
      status: "02",
      reason: "Sai thẩm quyền giải quyết",
      actingOrgan: RECIPIENT,
    });
    expect(() => receiptFor(events[0]!)).toThrow(expect.objectContaining({ code: "EVIDENCE_MALFORMED" }));
  });

  it("is canonical JSON that reads back, and matches its event only", async () => {
    const { receipt, json } = await issueReceipt(events[2]!, { signer });
    expect(json).toEqual(canonicalBytes({ ...receipt }));
    expect(parseReceipt(json)).toEqual(receipt);
    expect(receiptMatchesEvent(receipt, events[2]!)).toBe(true);
    expect(receiptMatchesEvent(receipt, events[1]!)).toBe(false);
    const extra = Buffer.from(json).toString("utf8").replace('{"actingOrgan"', '{"a":1,"actingOrgan"');
    expect(() => parseReceipt(new Uint8Array(Buffer.from(extra)))).toThrow(
      expect.objectContaining({ code: "EVIDENCE_MALFORMED" }),
    );
  });

  it("is signed as detached CAdES with content-type, message-digest, signing-time and signing-certificate-v2", async () => {
    const { json, p7s } = await issueReceipt(events[1]!, { signer });
    const info = parseSignedData(p7s).signerInfos[0]!;
    expect([...info.signedAttributeTypes].sort()).toEqual(
      [OID.contentTypeAttr, OID.messageDigestAttr, OID.signingTimeAttr, OID.signingCertificateV2].sort(),
    );
    expect(info.signingTime?.toISOString()).toBe("2026-12-01T02:00:01.000Z");
    expect(Buffer.from(info.messageDigest!).toString("hex")).toBe(
      createHash("sha256").update(json).digest("hex"),
    );
    // Re-issuing (a retry) gives the same bytes: canonical JSON, signing-time = event time, RSA PKCS#1 v1.5.
    const again = await issueReceipt(events[1]!, { signer });
    expect(again.p7s).toEqual(p7s);
  });

  it("is accepted by openssl cms -verify and refused once the receipt is edited", async () => {
    const { json, p7s } = await issueReceipt(events[2]!, { signer });
    const root = await temp.file("root.pem", pki.root.certPem);
    const sig = await temp.file("receipt.p7s", p7s);
    const good = await temp.file("receipt.json", json);
    expect((await opensslVerifyDetached(sig, good, root)).code).toBe(0);
    const edited = Buffer.from(json).toString("utf8").replace('"status":"02"', '"status":"03"');
    const bad = await temp.file("edited.json", edited);
    expect((await opensslVerifyDetached(sig, bad, root)).code).not.toBe(0);
  });

  it("passes the project's detached verifier (what lienthong verify --p7s runs)", async () => {
    const { json, p7s } = await issueReceipt(events[1]!, { signer });
    const report = await validateDetached(json, p7s, offlineOptions(pki));
    expect(report.verdict).toBe("TOTAL_PASSED");
    expect(report.signatures[0]).toMatchObject({
      kind: "detached",
      claimedSigningTime: "2026-12-01T02:00:01.000Z",
    });
    const tampered = new Uint8Array(json);
    tampered[tampered.length - 3] = tampered[tampered.length - 3]! ^ 1;
    const failed = await validateDetached(tampered, p7s, offlineOptions(pki));
    expect(failed.signatures[0]).toMatchObject({ indication: "TOTAL_FAILED", subIndication: "HASH_FAILURE" });
  });

  it("checks against the exchange's own certificates only", async () => {
    const { json, p7s } = await issueReceipt(events[1]!, { signer });
    const check = checkEvidenceSignature(json, p7s, { trustedSigners: [pki.organisation.certificate] });
    expect(check).toMatchObject({ ok: true, signingTime: new Date("2026-12-01T02:00:01.000Z") });
    expect(checkEvidenceSignature(json, p7s, { trustedSigners: [pki.person.certificate] }).ok).toBe(false);
    const edited = canonicalBytes({ ...receiptFor(events[1]!), status: "03" });
    expect(
      checkEvidenceSignature(edited, p7s, { trustedSigners: [pki.organisation.certificate] }),
    ).toMatchObject({
      ok: false,
      detail: expect.stringContaining("content was changed"),
    });
    expect(
      checkEvidenceSignature(json, p7s, {
        trustedSigners: [pki.organisation.certificate],
        requireTimestamp: true,
      }).ok,
    ).toBe(false);
    expect(
      checkEvidenceSignature(json, Uint8Array.of(0x30, 0), { trustedSigners: [pki.organisation.certificate] })
        .ok,
    ).toBe(false);
  });

  it("refuses a status change that cannot make a receipt", () => {
    const change = {
      letterId: LETTER,
      letterSha256: LETTER_SHA256,
      recipient: RECIPIENT,
      status: "03",
      at: "2026-12-01T02:00:01.000Z",
      actingOrgan: RECIPIENT,
    };
    expect(statusEvent(change)).toMatchObject({
      chain: deliveryChain(LETTER, RECIPIENT),
      type: "delivery.status",
      actor: RECIPIENT,
    });
    for (const bad of [{ letterSha256: "ABC" }, { status: "3" }, { recipient: "" }, { at: "yesterday" }]) {
      expect(() => statusEvent({ ...change, ...bad })).toThrow(
        expect.objectContaining({ code: "VALIDATION_FAILED" }),
      );
    }
    expect(events[0]!.prev).toBe(GENESIS);
    expect(events[2]!.prev).toBe(events[1]!.hash);
  });
});
