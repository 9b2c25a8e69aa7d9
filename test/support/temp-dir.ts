/**
 * The one temporary-directory helper of the tests: a fresh directory under `os.tmpdir()`, a way
 * to write files into it, and its removal. `cleanup` and `file` are plain closures, so they may
 * be destructured.
 *
 * @example
 * const temp = await tempDir("lienthong-cms-");
 * const p7s = await temp.file("sig.p7s", cms);
 * await temp.cleanup();
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A temporary directory and what to do with it. */
export interface TempDir {
  /** Absolute path of the directory. */
  readonly dir: string;
  /** Writes `content` to `name` inside the directory; resolves to the file's path. */
  file(name: string, content: Uint8Array | string): Promise<string>;
  /** Removes the directory and everything in it. */
  cleanup(): Promise<void>;
}

/** Makes a temporary directory named `<prefix>XXXXXX`. */
export async function tempDir(prefix = "lienthong-test-"): Promise<TempDir> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return {
    dir,
    async file(name, content) {
      const path = join(dir, name);
      await writeFile(path, content);
      return path;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
