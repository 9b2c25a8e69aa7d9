/**
 * The architecture check behind test/unit/architecture.test.ts: a small import scanner (static
 * `import … from`, `import "…"`, `export … from`, dynamic `import("…")`, skipping comments,
 * strings, template literals and regular expressions) and a checker of the parts and arrows
 * declared in architecture.json (forbidden arrows, undeclared arrows, cycles between parts).
 */
import { readdirSync, readFileSync } from "node:fs";
import { posix } from "node:path";

export interface Part {
  readonly name: string;
  /** Repository-relative folders or files. */
  readonly paths: readonly string[];
  readonly what: string;
}

export interface Arrow {
  readonly from: string;
  readonly to: readonly string[];
  readonly reason: string;
}

export interface ForbiddenArrow {
  /** Part names; `shared/*` matches every part whose name starts with `shared/`. */
  readonly from: readonly string[];
  /** Part names or `npm:<package>` (with the same `*` suffix patterns). */
  readonly to: readonly string[];
  readonly reason: string;
}

export interface ArchitectureSpec {
  readonly parts: readonly Part[];
  readonly allowed: readonly Arrow[];
  readonly forbidden: readonly ForbiddenArrow[];
}

export interface SourceFile {
  /** Repository-relative, with forward slashes. */
  readonly path: string;
  readonly source: string;
}

export interface ImportRef {
  readonly specifier: string;
  readonly dynamic: boolean;
}

// ---------------------------------------------------------------------------------------------
// Scanner
// ---------------------------------------------------------------------------------------------

type Token =
  | { readonly kind: "word"; readonly value: string }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "punct"; readonly value: string };

/** Keywords after which a `/` starts a regular expression, not a division. */
const REGEX_AFTER_WORDS = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

/** Tokens of a TypeScript or JavaScript source, enough to find import specifiers. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  /** Brace depth at which each open template literal's `${` started. */
  const templateStack: number[] = [];
  let braceDepth = 0;
  let i = 0;
  const n = source.length;

  const regexAllowed = (): boolean => {
    const last = tokens[tokens.length - 1];
    if (!last) {
      return true;
    }
    if (last.kind === "string") {
      return false;
    }
    if (last.kind === "word") {
      return REGEX_AFTER_WORDS.has(last.value);
    }
    return !(last.value === ")" || last.value === "]" || last.value === "}");
  };

  /** Reads a template literal's text from `i` (just after "`" or "}") up to "`" or "${". */
  const readTemplate = (): void => {
    while (i < n) {
      const c = source[i]!;
      if (c === "\\") {
        i += 2;
      } else if (c === "`") {
        i++;
        tokens.push({ kind: "string", value: "" });
        return;
      } else if (c === "$" && source[i + 1] === "{") {
        i += 2;
        templateStack.push(braceDepth);
        braceDepth++;
        tokens.push({ kind: "punct", value: "${" });
        return;
      } else {
        i++;
      }
    }
  };

  while (i < n) {
    const c = source[i]!;
    if (c === "/" && source[i + 1] === "/") {
      const end = source.indexOf("\n", i);
      i = end < 0 ? n : end;
    } else if (c === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '"' || c === "'") {
      let value = "";
      i++;
      while (i < n && source[i] !== c && source[i] !== "\n") {
        if (source[i] === "\\") {
          value += source[i + 1] ?? "";
          i += 2;
        } else {
          value += source[i];
          i++;
        }
      }
      i++;
      tokens.push({ kind: "string", value });
    } else if (c === "`") {
      i++;
      readTemplate();
    } else if (c === "/" && regexAllowed()) {
      i++;
      let inClass = false;
      while (i < n && source[i] !== "\n") {
        const r = source[i]!;
        if (r === "\\") {
          i += 2;
          continue;
        }
        if (r === "[") {
          inClass = true;
        } else if (r === "]") {
          inClass = false;
        } else if (r === "/" && !inClass) {
          break;
        }
        i++;
      }
      i++;
      while (i < n && /[a-z]/i.test(source[i]!)) {
        i++;
      }
      tokens.push({ kind: "string", value: "" });
    } else if (/[A-Za-z_$]/.test(c)) {
      let end = i + 1;
      while (end < n && /[\w$]/.test(source[end]!)) {
        end++;
      }
      tokens.push({ kind: "word", value: source.slice(i, end) });
      i = end;
    } else if (/\d/.test(c)) {
      let end = i + 1;
      while (end < n && /[\w.]/.test(source[end]!)) {
        end++;
      }
      tokens.push({ kind: "word", value: source.slice(i, end) });
      i = end;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      if (c === "{") {
        braceDepth++;
      } else if (c === "}") {
        braceDepth--;
        if (templateStack.length > 0 && templateStack[templateStack.length - 1] === braceDepth) {
          templateStack.pop();
          i++;
          readTemplate();
          continue;
        }
      }
      tokens.push({ kind: "punct", value: c });
      i++;
    }
  }
  return tokens;
}

/**
 * The module specifiers a source imports: `import … from "x"`, `import "x"`, `export … from "x"`,
 * `import("x")` (type-only imports included: they are arrows too).
 */
export function scanImports(source: string): ImportRef[] {
  const tokens = tokenize(source);
  const found: ImportRef[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const token = tokens[k]!;
    const next = tokens[k + 1];
    const previous = tokens[k - 1];
    if (token.kind !== "word" || previous?.value === ".") {
      continue;
    }
    if (token.value === "import" && next?.kind === "string") {
      found.push({ specifier: next.value, dynamic: false });
    } else if (token.value === "import" && next?.value === "(" && tokens[k + 2]?.kind === "string") {
      found.push({ specifier: tokens[k + 2]!.value, dynamic: true });
    } else if (token.value === "from" && next?.kind === "string" && isInImportOrExport(tokens, k)) {
      found.push({ specifier: next.value, dynamic: false });
    }
  }
  return found;
}

/** True when the `from` at `k` ends an `import …` or `export …` clause of the same statement. */
function isInImportOrExport(tokens: readonly Token[], k: number): boolean {
  for (let j = k - 1; j >= 0; j--) {
    const token = tokens[j]!;
    if (token.kind === "punct" && token.value === ";") {
      return false;
    }
    if (token.kind === "word" && (token.value === "import" || token.value === "export")) {
      return tokens[j - 1]?.value !== ".";
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Checker
// ---------------------------------------------------------------------------------------------

export interface Edge {
  readonly from: string;
  readonly to: string;
  /** One file and specifier that makes the arrow. */
  readonly example: string;
}

export interface ArchitectureResult {
  /** Arrows between parts, and to npm packages (`npm:<name>`). */
  readonly edges: readonly Edge[];
  readonly forbidden: readonly { readonly edge: Edge; readonly reason: string }[];
  readonly undeclared: readonly Edge[];
  /** Strongly connected sets of parts (each a cycle between packages). */
  readonly cycles: readonly (readonly string[])[];
  /** Files under no part that a part imports. */
  readonly unmapped: readonly string[];
}

function matches(pattern: string, name: string): boolean {
  return pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

/** The part a repository path belongs to (longest matching path), if any. */
export function partOf(spec: ArchitectureSpec, path: string): string | undefined {
  let best: { name: string; length: number } | undefined;
  for (const part of spec.parts) {
    for (const p of part.paths) {
      if ((path === p || path.startsWith(`${p}/`)) && (!best || p.length > best.length)) {
        best = { name: part.name, length: p.length };
      }
    }
  }
  return best?.name;
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** Checks the files against the spec. `exists` resolves extension-less relative imports. */
export function checkArchitecture(spec: ArchitectureSpec, files: readonly SourceFile[]): ArchitectureResult {
  const known = new Set(files.map((file) => file.path));
  const edges = new Map<string, Edge>();
  const unmapped = new Set<string>();
  for (const file of files) {
    const from = partOf(spec, file.path);
    if (!from) {
      continue;
    }
    for (const ref of scanImports(file.source)) {
      let to: string | undefined;
      if (ref.specifier.startsWith(".")) {
        const target = posix.normalize(posix.join(posix.dirname(file.path), ref.specifier));
        to = partOf(spec, target);
        if (!to) {
          if (known.has(target) || /\.(ts|js|mjs)$/.test(target)) {
            unmapped.add(target);
          }
          continue;
        }
      } else if (ref.specifier.startsWith("node:")) {
        continue;
      } else {
        to = `npm:${packageName(ref.specifier)}`;
      }
      if (to === from) {
        continue;
      }
      const key = `${from} -> ${to}`;
      if (!edges.has(key)) {
        edges.set(key, { from, to, example: `${file.path}: "${ref.specifier}"` });
      }
    }
  }

  const allEdges = [...edges.values()];
  const forbidden: { edge: Edge; reason: string }[] = [];
  const undeclared: Edge[] = [];
  for (const edge of allEdges) {
    const rule = spec.forbidden.find(
      (candidate) =>
        candidate.from.some((pattern) => matches(pattern, edge.from)) &&
        candidate.to.some((pattern) => matches(pattern, edge.to)),
    );
    if (rule) {
      forbidden.push({ edge, reason: rule.reason });
      continue;
    }
    if (edge.to.startsWith("npm:")) {
      continue;
    }
    const declared = spec.allowed.some((arrow) => arrow.from === edge.from && arrow.to.includes(edge.to));
    if (!declared) {
      undeclared.push(edge);
    }
  }

  const partEdges = allEdges.filter((edge) => !edge.to.startsWith("npm:"));
  return {
    edges: allEdges,
    forbidden,
    undeclared,
    cycles: stronglyConnected(partEdges),
    unmapped: [...unmapped],
  };
}

/** Tarjan's strongly connected components with more than one member. */
function stronglyConnected(edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const edge of edges) {
    next.set(edge.from, [...(next.get(edge.from) ?? []), edge.to]);
    if (!next.has(edge.to)) {
      next.set(edge.to, []);
    }
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) {
        out.push(component.sort());
      }
    }
  };
  for (const v of next.keys()) {
    if (!index.has(v)) {
      visit(v);
    }
  }
  return out;
}

/** Every .ts/.js/.mjs file under the parts' paths (no node_modules, no declaration files). */
export function readSources(root: string, spec: ArchitectureSpec): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (relative: string): void => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(posix.join(root, relative), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = posix.join(relative, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && !entry.name.startsWith(".")) {
          walk(path);
        }
      } else if (/\.(ts|js|mjs)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
        files.push({ path, source: readFileSync(posix.join(root, path), "utf8") });
      }
    }
  };
  for (const part of spec.parts) {
    for (const p of part.paths) {
      if (/\.(ts|js|mjs)$/.test(p)) {
        try {
          files.push({ path: p, source: readFileSync(posix.join(root, p), "utf8") });
        } catch {
          // a declared file that does not exist yet
        }
      } else {
        walk(p);
      }
    }
  }
  return files;
}
