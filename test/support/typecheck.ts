/**
 * Typechecks files the way the repository's tsconfig does (strict,
 * exactOptionalPropertyTypes, `ballast` mapped to src/), through the compiler
 * API, and returns each diagnostic as `file:line: message`. Type tests assert
 * on that list: an `@ts-expect-error` line that compiles is a diagnostic too.
 */
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function compilerOptions(): ts.CompilerOptions {
  const file = join(ROOT, "tsconfig.json");
  const { config, error } = ts.readConfigFile(file, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, "\n"));
  return { ...ts.parseJsonConfigFileContent(config, ts.sys, ROOT).options, noEmit: true };
}

function format(d: ts.Diagnostic): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  if (!d.file || d.start === undefined) return text;
  const { line } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${relative(ROOT, d.file.fileName)}:${line + 1}: ${text}`;
}

/**
 * Typechecks `files` (absolute paths); `sources` adds files that exist only
 * in memory (absolute path → text), e.g. a snippet that must fail with a given message.
 */
export function typecheck(files: string[], sources: Record<string, string> = {}): string[] {
  const options = compilerOptions();
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) => {
    const text = sources[resolve(name)];
    return text === undefined ? getSourceFile(name, lang, onError, create) : ts.createSourceFile(name, text, lang);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => resolve(name) in sources || fileExists(name);
  const dirs = new Set(Object.keys(sources).map((f) => dirname(f)));
  const directoryExists = host.directoryExists?.bind(host);
  host.directoryExists = (name) => dirs.has(resolve(name)) || (directoryExists ? directoryExists(name) : ts.sys.directoryExists(name));
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => sources[resolve(name)] ?? readFile(name);
  const program = ts.createProgram([...files, ...Object.keys(sources)], options, host);
  return ts.getPreEmitDiagnostics(program).map(format);
}
