/**
 * Every published sample package (../shared/fixtures/edxml, README there) reads with the right
 * sender, recipients, number/notation, dates, subject, business type or status, and attachment bytes;
 * the attachment whose zip holds another file than its name says is flagged and kept as it came.
 * Expected values are read off the files by eye and the SHA-256 with Python's base64 (not this code).
 */
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  deliveryStatus,
  type EdxmlLetter,
  type EdxmlStatusPackage,
  readEdxml,
  statusCode,
} from "../../../shared/edxml/index.ts";
import { FIXTURES, fixture } from "./helpers.ts";

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

const SUBJECT = "V/v kết nối, liên thông phần mềm quản lý văn bản";
const THREE = ["000.00.00.H41", "000.00.00.H14", "000.00.00.G17"];

const LETTERS = [
  {
    file: "edoc_new.edxml",
    from: "002.00.20.H13",
    to: ["28.22.H17"],
    number: "74fass22",
    date: "2019-01-16",
    business: "new",
    sha: "7ab7c43a02a3cf2cedd14ebf2545a37e7a1307e0091b4ba94c2ef1e842a763aa",
    entry: "32da2890-1a55-4ccd-9ac9-cd0d98559e67.edxml",
  },
  {
    file: "edoc_update.edxml",
    from: "000.00.00.G22",
    to: THREE,
    number: "7816",
    date: "2018-09-28",
    business: "update",
    sha: "51653b9613f7f0275b43f80704033299740c702f354f44a06f55770cfbb0b135",
    entry: "3ed3cc90-1dcb-4382-9725-1de9cd899790.edxml",
  },
  {
    file: "edoc_revocation.edxml",
    from: "000.00.00.G22",
    to: THREE,
    number: "7816",
    date: "2018-09-28",
    business: "revoke",
    sha: "22100d39101238b750bc39a24ff6994cb2c0cf08f4edbf5f3c34d4700857d378",
    entry: "a3661564-bcbb-4406-a6a9-ceddbc8f4e17.edxml",
  },
  {
    file: "edoc_replacement.edxml",
    from: "000.00.00.G22",
    to: THREE,
    number: "7816",
    date: "2018-09-28",
    business: "replace",
    sha: "57634d6539d79c5935c12fabd7d8fa513d81d84a5fad4c82258a31ffa741aba5",
    entry: "30d190ec-60e3-41b6-bda7-50b17d98b35d.edxml",
  },
] as const;

const STATUSES = [
  ["status_inbox_01.edxml", "01", "arrived"],
  ["status_rejection_02.edxml", "02", "refused"],
  ["status_acceptance_03.edxml", "03", "accepted"],
  ["status_assignment_04.edxml", "04", "assigned"],
  ["status_processing_05.edxml", "05", "processing"],
  ["status_finish_06.edxml", "06", "finished"],
  ["status_cancellation_13.edxml", "13", "recall-requested"],
  ["status_change-acceptance_15.edxml", "15", "recall-agreed"],
  ["status_change-rejection_16.edxml", "16", "recall-refused"],
] as const;

describe("the published edXML samples", () => {
  it("are all covered here", () => {
    const files = readdirSync(FIXTURES).filter((name) => name.endsWith(".edxml"));
    expect(files.sort()).toEqual([...LETTERS.map((l) => l.file), ...STATUSES.map((s) => s[0])].sort());
  });

  for (const expected of LETTERS) {
    it(`${expected.file}: a letter, business type ${expected.business}`, () => {
      const { package: pkg, warnings } = readEdxml(fixture(expected.file));
      expect(pkg.kind).toBe("letter");
      const letter = pkg as EdxmlLetter;
      expect(letter.from.id).toBe(expected.from);
      expect(letter.to.map((organ) => organ.id)).toEqual(expected.to);
      expect(letter.code).toEqual({ number: expected.number, notation: "VPCP-TTĐT" });
      expect(letter.documentId).toBe("000.00.00.G22,2015/09/30,7816/VPCP-TTĐT");
      expect(letter.promulgation).toEqual({ place: "Hà Nội", date: expected.date });
      expect(letter.dueDate).toBe("2018-09-28");
      expect(letter.subject).toBe(SUBJECT);
      expect(letter.documentType).toEqual({ type: "1", detail: "0", name: "Công văn" });
      expect(letter.signer).toEqual({
        competence: "TL. BO TRUONG",
        position: "Cuc truong cuc ung dung cong nghe thong tin",
        fullName: "Nguyen Thanh Phuc",
      });
      expect(letter.toPlaces).toEqual(["Cac bo va co quan ngang bo", "Uy ban nhan dan cac tinh, TP"]);
      expect(letter.traces).toEqual([{ organId: "000.00.00.G22", timestamp: "2018-09-28T00:00:00" }]);
      expect(letter.business?.type).toBe(expected.business);

      // The attachment: kept as it came (the zip), since its one entry is not the .doc it claims.
      expect(letter.attachments).toHaveLength(1);
      const [attachment] = letter.attachments;
      expect(attachment).toMatchObject({
        contentId: "cid:209",
        name: "1896_QD-TTg_m_294779.doc",
        contentType: "application/zip",
        transfer: "base64",
      });
      expect(attachment!.bytes.byteLength).toBe(270823);
      expect(sha256(attachment!.bytes)).toBe(expected.sha);
      const mismatch = warnings.filter((warning) => warning.code === "EDXML_ATTACHMENT_MISMATCH");
      expect(mismatch).toHaveLength(1);
      expect(mismatch[0]!.detail).toContain(expected.entry);
      expect(warnings.map((warning) => warning.code)).toContain("EDXML_SIGNATURE_PLACEHOLDER");
      // The envelope's signature block has no field: it is kept whole.
      expect(letter.extra.some((part) => "element" in part && part.element.name === "Signature")).toBe(true);
    });
  }

  it("edoc_new.edxml: the stray '1212' before the XML declaration is dropped and flagged", () => {
    const codes = readEdxml(fixture("edoc_new.edxml")).warnings.map((warning) => warning.code);
    expect(codes).toEqual([
      "EDXML_TEXT_BEFORE_XML",
      "EDXML_ATTACHMENT_MISMATCH",
      "EDXML_SIGNATURE_PLACEHOLDER",
    ]);
    expect(readEdxml(fixture("edoc_update.edxml")).warnings.map((w) => w.code)).not.toContain(
      "EDXML_TEXT_BEFORE_XML",
    );
  });

  it("the business blocks keep their references: receivers changed, revoked letter, replaced letters", () => {
    const update = readEdxml(fixture("edoc_update.edxml")).package as EdxmlLetter;
    expect(update.business).toMatchObject({
      type: "update",
      reason: "Cập nhật văn bản điện tử",
      documentInfo: "1",
      documentReceiver: "1",
      receivers: [
        { organId: "000.00.00.H41", receiverType: "0" },
        { organId: "000.00.00.H14", receiverType: "1" },
      ],
    });
    const revoke = readEdxml(fixture("edoc_revocation.edxml")).package as EdxmlLetter;
    expect(revoke.business).toMatchObject({ type: "revoke", reason: "Thu hồi văn bản điện tử" });
    expect(revoke.responseFor).toEqual([
      {
        organId: "000.00.00.H14",
        code: "267/VPCP-TTĐT",
        documentId: "000.00.04.G14,2012/08/06,267/VPCP-TTĐT",
        promulgationDate: "2018-09-28",
      },
    ]);
    const replace = readEdxml(fixture("edoc_replacement.edxml")).package as EdxmlLetter;
    expect(replace.business?.replacements).toEqual([
      { documentId: "000.00.00.G22,2014/01/30,7806/VPCP-TTĐT", organIds: ["000.00.00.H41", "000.00.00.H14"] },
      { documentId: "000.00.00.G22,2014/01/30,7806/VPCP-TTĐT", organIds: ["000.00.00.H41", "000.00.00.H14"] },
    ]);
    const created = readEdxml(fixture("edoc_new.edxml")).package as EdxmlLetter;
    expect(created.business).toMatchObject({
      type: "new",
      documentId: "000.00.00.G22,2014/02/30,7806/VPCP-TTĐT",
      reason: "Văn bản điện tử mới",
      paper: "0",
    });
  });

  for (const [file, code, status] of STATUSES) {
    it(`${file}: a status package, StatusCode ${code}`, () => {
      const { package: pkg, warnings } = readEdxml(fixture(file));
      expect(pkg.kind).toBe("status");
      const report = pkg as EdxmlStatusPackage;
      const recall = code === "13";
      expect(report.status).toBe(status);
      expect(statusCode(report.status)).toBe(code);
      expect(deliveryStatus(report.status)).toBe(Number(code) <= 6 ? code : undefined);
      expect(report.from.id).toBe(recall ? "000.00.00.G22" : "000.00.00.H41");
      expect(report.from.name).toBe(recall ? "Văn phòng Chính phủ" : "UBND Tỉnh Nghệ An");
      expect(report.to).toEqual([]);
      expect(report.responseFor).toEqual({
        organId: recall ? "000.00.00.H41" : "000.00.00.G22",
        code: "7816/VPCP-TTĐT",
        promulgationDate: "2015-09-30",
        documentId: "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT",
      });
      expect(report.staff).toEqual({
        department: "Phong hanh chinh",
        staff: "Nguyen thi ngoc tram",
        mobile: "84912000001",
        email: "ngoctram@nghean.vn",
      });
      expect(report.timestamp).toBe("2015-09-20T11:08:36");
      expect(report.description).toMatch(/\S/);
      expect(warnings).toEqual([]);
    });
  }
});
