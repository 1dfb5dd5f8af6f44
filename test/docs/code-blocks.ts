import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

/** A TypeScript code block of a Markdown file. */
export interface CodeBlock {
  /** The Markdown file, relative to the repository root. */
  doc: string;
  /** 1-based line of the block's first code line in the Markdown file. */
  line: number;
  code: string;
  /** The block opted out of the typecheck with ```ts no-check. */
  noCheck: boolean;
  /**
   * Declarations the block may assume, one a line (`declare const client: import("ballast").Client;`), from
   * the last `<!-- ts-context ... -->` comment above it in the same file: hidden from readers, checked with
   * the block. A declaration of a name the block declares or imports itself is left out.
   */
  context: string;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*(\S*)(.*)$/;
const CONTEXT = /^<!--\s*ts-context\b(.*)$/;
const TS = new Set(["ts", "typescript", "tsx"]);

/** Every ```ts / ```typescript block of one Markdown text, with where it starts. */
export function codeBlocks(doc: string, markdown: string): CodeBlock[] {
  const lines = markdown.split("\n");
  const blocks: CodeBlock[] = [];
  let context = "";
  for (let i = 0; i < lines.length; i++) {
    const hidden = CONTEXT.exec(lines[i]!.trim());
    if (hidden) {
      const text: string[] = [hidden[1]!];
      while (!text.at(-1)!.includes("-->") && i + 1 < lines.length) text.push(lines[++i]!);
      context = text
        .join("\n")
        .replace(/-->[\s\S]*$/, "")
        .trim();
      continue;
    }
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang, rest] = open as unknown as [string, string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j]!;
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, "") === "") break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line);
    }
    if (TS.has(lang.toLowerCase())) blocks.push({ doc, line: i + 2, code: body.join("\n"), noCheck: /\bno-check\b/.test(rest), context });
    i = j;
  }
  return blocks;
}

/** README.md and every Markdown file under docs/, relative to `root`. */
export function userDocs(root: string): string[] {
  const found = ["README.md"];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".md")) found.push(relative(root, path));
    }
  };
  walk(join(root, "docs"));
  return found.sort();
}

export function readBlocks(root: string): CodeBlock[] {
  return userDocs(root).flatMap((doc) => codeBlocks(doc, readFileSync(join(root, doc), "utf8")));
}

/** A type error in a block, located in its Markdown file. */
export interface BlockError {
  doc: string;
  /** 1-based line in the Markdown file. */
  line: number;
  message: string;
}

/**
 * Typechecks blocks with one TypeScript program: each block is its own module file under `dir` (inside the
 * repository, so that `node_modules` resolves), `ballast` and `ballast/<subpath>` map to src/ through the
 * `paths` of tsconfig.json. Strict, with the project's module settings; the project's extra lint-like
 * options (unused locals, exact optional properties, unchecked index access) are left to the user's taste.
 */
export function typecheckBlocks(root: string, dir: string, blocks: readonly CodeBlock[]): BlockError[] {
  const config = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile);
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent({ ...config.config, include: [] }, ts.sys, root);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    strict: true,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    noUnusedLocals: false,
    noUnusedParameters: false,
    noUncheckedIndexedAccess: false,
    exactOptionalPropertyTypes: false,
    verbatimModuleSyntax: false,
    isolatedModules: false,
  };
  const files = new Map<string, CodeBlock>();
  blocks.forEach((block, i) => {
    const file = join(dir, `${block.doc.replace(/[^A-Za-z0-9]+/g, "-")}-${block.line}-${i}.ts`);
    // The context goes on the block's last line, so that line numbers stay the block's own; `export {}`
    // makes every block a module: its own scope, top-level await allowed.
    writeFileSync(file, `${block.code}\n${contextFor(block).join(" ")} export {};\n`);
    files.set(file, block);
  });
  const program = ts.createProgram([...files.keys()], options);
  const errors: BlockError[] = [];
  for (const [file, block] of files) {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`TypeScript did not load ${file}`);
    for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const at = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line;
      errors.push({ doc: block.doc, line: block.line + at, message: ts.flattenDiagnosticMessageText(d.messageText, " ") });
    }
  }
  return errors;
}

const DECLARED = /^(?:declare\s+)?(?:const|let|var|function|class|type|interface|enum)\s+([A-Za-z_$][\w$]*)/;

/** The context lines that do not declare a name the block declares itself. */
function contextFor(block: CodeBlock): string[] {
  if (block.context === "") return [];
  const own = topLevelNames(block.code);
  return block.context
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !own.has(DECLARED.exec(line)?.[1] ?? ""));
}

function topLevelNames(code: string): Set<string> {
  const names = new Set<string>();
  const bind = (name: ts.BindingName) => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bind(element.name);
  };
  const source = ts.createSourceFile("block.ts", code, ts.ScriptTarget.Latest);
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause;
      if (clause.name) names.add(clause.name.text);
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings)) for (const e of bindings.elements) names.add(e.name.text);
    } else if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) bind(d.name);
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      statement.name
    ) {
      names.add(statement.name.text);
    }
  }
  return names;
}
