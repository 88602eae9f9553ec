/**
 * Where each decision lives, checked so that a regression fails here:
 * - the environment is read in lib/config.ts only (nothing else under lib/ or functions/);
 * - object key prefixes are spelled out in lib/storage/object-keys.ts only;
 * - no import cycle between the files of lib/, nor between its folders;
 * - dicom-parser is imported by lib/dicom/dicom-parser-adapter.ts only;
 * - transfer syntax UIDs are written in lib/dicom/transfer-syntax.ts only (the one table);
 * - each use-case service (lib/** /*-service.ts) stays at most about 250 lines;
 * - the HTTP Range header is parsed in lib/http, not in a service.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(path));
    else if (/\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const parse = (file: string) => ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);

function walk(node: ts.Node, visit: (n: ts.Node) => void): void {
  visit(node);
  node.forEachChild((child) => walk(child, visit));
}

/** The text of every string and template literal of a file (comments are not looked at). */
function literals(file: string): string[] {
  const out: string[] = [];
  walk(parse(file), (n) => {
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n)) {
      out.push(n.text);
    }
  });
  return out;
}

/** Relative imports of a file, resolved to repository paths (.js -> .ts); `lazy` adds import() calls. */
function imports(file: string, lazy = true): string[] {
  const out: string[] = [];
  walk(parse(file), (n) => {
    let spec: string | undefined;
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) spec = n.moduleSpecifier.text;
    if (lazy && ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteral(n.arguments[0])) spec = n.arguments[0].text;
    if (spec?.startsWith('.')) out.push(relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.js$/, '.ts'));
  });
  return out;
}

/** One cycle of a directed graph, or undefined. */
function findCycle(graph: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    if (!state.has(node)) {
      const found = visit(node);
      if (found) return found;
    }
  }
  return undefined;
}

const LIB = sources('lib');

describe('architecture', () => {
  it('reads the environment in lib/config.ts only', () => {
    const readers = [...LIB, ...sources('functions')].filter((file) => {
      let reads = false;
      walk(parse(file), (n) => {
        if (ts.isPropertyAccessExpression(n) && n.name.text === 'env' && ts.isIdentifier(n.expression) && n.expression.text === 'process') reads = true;
      });
      return reads;
    });
    expect(readers).toEqual(['lib/config.ts']);
  });

  it('spells object key prefixes in lib/storage/object-keys.ts only', () => {
    const spelled = [...LIB, ...sources('functions'), ...sources('local'), ...sources('infra')].filter((file) =>
      literals(file).some((text) => /(^|[^\w-])(uploads|renders|quarantine)\//.test(text)),
    );
    expect(spelled).toEqual(['lib/storage/object-keys.ts']);
  });

  it('has no static import cycle between the files of lib/', () => {
    // Static imports only: a codec that loads another lazily with import() (lib/pixels/codecs) is
    // not evaluated in a cycle at module load.
    const graph = new Map(LIB.map((file) => [file, new Set(imports(file, false).filter((f) => f.startsWith('lib/')))]));
    expect(findCycle(graph)).toBeUndefined();
  });

  it('has no import cycle between the folders of lib/', () => {
    // A file at the top of lib/ (config, errors, log) is a node of its own.
    const folder = (file: string) => (file.split('/').length > 2 ? file.split('/').slice(0, 2).join('/') : file);
    const graph = new Map<string, Set<string>>();
    for (const file of LIB) {
      const from = folder(file);
      const edges = graph.get(from) ?? new Set<string>();
      graph.set(from, edges);
      for (const target of imports(file)) if (target.startsWith('lib/') && folder(target) !== from) edges.add(folder(target));
    }
    expect(findCycle(graph)).toBeUndefined();
  });

  it('has no import cycle between the files of lib/, counting lazy import() too', () => {
    const graph = new Map(LIB.map((file) => [file, new Set(imports(file).filter((f) => f.startsWith('lib/')))]));
    expect(findCycle(graph)).toBeUndefined();
  });

  it('imports dicom-parser in its adapter only', () => {
    const importers = [...LIB, ...sources('functions'), ...sources('local')].filter((file) => {
      let found = false;
      walk(parse(file), (n) => {
        if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier) && n.moduleSpecifier.text === 'dicom-parser') {
          found = true;
        }
      });
      return found;
    });
    expect(importers).toEqual(['lib/dicom/dicom-parser-adapter.ts']);
  });

  it('writes transfer syntax UIDs in the transfer syntax table only', () => {
    // PS3.5 Annex A UIDs all start 1.2.840.10008.1.2 (SOP classes are 1.2.840.10008.5.1.4...).
    const writers = [...LIB, ...sources('functions'), ...sources('local')].filter((file) => literals(file).some((text) => /^1\.2\.840\.10008\.1\.2(\.|$)/.test(text)));
    expect(writers).toEqual(['lib/dicom/transfer-syntax.ts']);
  });

  it('keeps each use-case service at most about 250 lines', () => {
    const long = LIB.filter((file) => file.endsWith('-service.ts'))
      .map((file) => ({ file, lines: readFileSync(join(ROOT, file), 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > 260);
    expect(long).toEqual([]);
  });

  it('parses the HTTP Range header in lib/http only', () => {
    // A parser of `Range: bytes=...` is a regular expression over it; building a Range for S3 is not parsing.
    const parsers = LIB.filter((file) => {
      let found = false;
      walk(parse(file), (n) => {
        if (n.kind === ts.SyntaxKind.RegularExpressionLiteral && /bytes=/i.test(n.getText())) found = true;
      });
      return found;
    });
    expect(parsers).toEqual(['lib/http/byte-range.ts']);
  });

  it('finds a cycle when there is one (the check can fail)', () => {
    expect(findCycle(new Map([['a', new Set(['b'])], ['b', new Set(['a'])]]))).toEqual(['a', 'b', 'a']);
  });
});
