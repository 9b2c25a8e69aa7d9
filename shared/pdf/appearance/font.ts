import { readFile } from "node:fs/promises";
import { ExchangeError } from "../../errors/exchange-error.ts";

/** Paths of the default appearance fonts. */
export interface FontPaths {
  readonly regular: string;
  readonly bold: string;
}

/**
 * Liberation Serif 2 (Debian `fonts-liberation2`): metric-compatible with Times New Roman, which
 * Decree 30 prescribes, with full Vietnamese coverage (Latin Extended Additional, precomposed).
 * Runtimes without these files (e.g. AWS Lambda) pass `fontBytes` / `boldFontBytes`, or other paths here.
 */
export const DEFAULT_FONT_PATHS: FontPaths = {
  regular: "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
  bold: "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
};

const cache = new Map<string, Promise<Uint8Array>>();

/**
 * Reads a default font once per process. Throws APPEARANCE_FONT_UNAVAILABLE when the file is missing.
 *
 * @example
 * const bold = await loadDefaultFont("bold");
 */
export function loadDefaultFont(
  weight: keyof FontPaths,
  paths: FontPaths = DEFAULT_FONT_PATHS,
): Promise<Uint8Array> {
  const path = paths[weight];
  let bytes = cache.get(path);
  if (!bytes) {
    bytes = readFile(path).then(
      (buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength),
      (cause: unknown) => {
        cache.delete(path);
        throw new ExchangeError("APPEARANCE_FONT_UNAVAILABLE", {
          detail: `expected a TrueType font at ${path} (Debian package fonts-liberation2), or pass fontBytes`,
          cause,
        });
      },
    );
    cache.set(path, bytes);
  }
  return bytes;
}
