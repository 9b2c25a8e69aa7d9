/**
 * A throwaway one-page PDF holding built appearances, written by hand so that the appearance
 * objects are checked on their own (no PDF library repairs them): catalog 1, pages 2, page 3,
 * page content 4, then the appearance objects at the numbers `buildAppearance` gave them.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { BuiltAppearance, PageSize } from "../../../../shared/pdf/appearance/types.ts";

const run = promisify(execFile);

/** First object number free for appearances in `pagePdf`. */
export const FIRST_FREE_OBJECT = 5;

/**
 * One A4-like page. `widgets: true` puts each appearance in a signature widget's /AP /N (as the
 * signing code will); otherwise the page content paints the form XObjects with `Do`.
 */
export function pagePdf(
  pageSize: PageSize,
  appearances: readonly BuiltAppearance[],
  widgets = false,
): Uint8Array {
  const enc = new TextEncoder();
  const bodies = new Map<number, Uint8Array>();
  const last = Math.max(FIRST_FREE_OBJECT - 1, ...appearances.map((a) => a.nextObjectNumber - 1));
  const widgetNumbers = appearances.map((_, i) => last + 1 + i);
  let content = "";
  const xobjects: string[] = [];
  appearances.forEach((a, i) => {
    xobjects.push(`/Ap${i} ${a.appearanceObjectNumber} 0 R`);
    content += `q 1 0 0 1 ${a.rect[0]} ${a.rect[1]} cm /Ap${i} Do Q\n`;
    for (const object of a.objects) {
      bodies.set(object.objectNumber, object.bytes);
    }
  });
  const annots = widgets ? `/Annots [${widgetNumbers.map((n) => `${n} 0 R`).join(" ")}]` : "";
  const acroForm = widgets
    ? `/AcroForm << /Fields [${widgetNumbers.map((n) => `${n} 0 R`).join(" ")}] /SigFlags 3 >>`
    : "";
  bodies.set(1, enc.encode(`<< /Type /Catalog /Pages 2 0 R ${acroForm} >>`));
  bodies.set(2, enc.encode("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"));
  bodies.set(
    3,
    enc.encode(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${pageSize.width} ${pageSize.height}] /Contents 4 0 R ` +
        `/Resources << /XObject << ${widgets ? "" : xobjects.join(" ")} >> >> ${annots} >>`,
    ),
  );
  const pageContent = widgets ? "" : content;
  bodies.set(4, enc.encode(`<< /Length ${pageContent.length} >>\nstream\n${pageContent}\nendstream`));
  appearances.forEach((a, i) => {
    bodies.set(
      widgetNumbers[i]!,
      enc.encode(
        `<< /Type /Annot /Subtype /Widget /FT /Sig /T (Sig${i}) /F 132 /P 3 0 R /Rect [${a.rect.join(" ")}] ` +
          `/AP << /N ${a.appearanceObjectNumber} 0 R >> >>`,
      ),
    );
  });
  const count = Math.max(...bodies.keys()) + 1;
  const parts: Uint8Array[] = [enc.encode("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")];
  let offset = parts[0]!.length;
  const offsets = new Array<number>(count).fill(-1);
  for (let n = 1; n < count; n++) {
    const body = bodies.get(n);
    if (!body) {
      throw new Error(`object ${n} missing from the test page`);
    }
    offsets[n] = offset;
    for (const part of [enc.encode(`${n} 0 obj\n`), body, enc.encode("\nendobj\n")]) {
      parts.push(part);
      offset += part.length;
    }
  }
  let xref = `xref\n0 ${count}\n0000000000 65535 f \n`;
  for (let n = 1; n < count; n++) {
    xref += `${String(offsets[n]).padStart(10, "0")} 00000 n \n`;
  }
  parts.push(enc.encode(`${xref}trailer\n<< /Size ${count} /Root 1 0 R >>\nstartxref\n${offset}\n%%EOF\n`));
  return Buffer.concat(parts);
}

/** Runs a poppler tool on `pdf` in a temporary directory and returns its stdout and any files it wrote. */
export async function withPdf<T>(
  pdf: Uint8Array,
  use: (path: string, dir: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "lienthong-appearance-"));
  try {
    const path = join(dir, "page.pdf");
    await writeFile(path, pdf);
    return await use(path, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** stdout of a command. */
export async function stdout(command: string, args: readonly string[]): Promise<string> {
  const result = await run(command, [...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return result.stdout;
}

/** Renders page 1 at `dpi` with pdftoppm and returns the PNG bytes. */
export async function renderPage(path: string, dir: string, dpi = 72): Promise<Uint8Array> {
  await run("pdftoppm", ["-r", String(dpi), "-png", "-singlefile", path, join(dir, "render")]);
  return readFile(join(dir, "render.png"));
}
