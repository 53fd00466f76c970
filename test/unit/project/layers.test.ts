import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layers of docs/architecture.md, checked on the imports themselves: the domain is pure (it
 * can be read, tested and reused without a server), the contracts are shared by server and client
 * without pulling either in, and the client reaches the server only through the contracts.
 */

const root = resolve(import.meta.dirname, '../../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|svelte)$/.test(e.name))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

/** every module a file imports, as a path from the repository root for relative ones, else the package name */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  return specifiers.map((s) => (s.startsWith('.') ? relative(root, resolve(root, dirname(file), s)) : s));
}

/** a contracts module that holds types and constants only: no imports outside the pure contracts */
const PURE_CONTRACTS = ['server/contracts/vocabulary.ts', 'server/contracts/snapshots.ts', 'server/contracts/reports.ts'];

describe('the layers', () => {
  it('the domain imports only the domain and the pure contracts: no Fastify, Socket.IO, Kysely, TypeBox or node:fs', () => {
    const offending = sourceFiles('server/domain').flatMap((file) =>
      importsOf(file)
        .filter((target) => !target.startsWith('server/domain/') && !PURE_CONTRACTS.includes(target))
        .map((target) => `${file} → ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it('the pure contracts import only each other', () => {
    const offending = PURE_CONTRACTS.flatMap((file) => importsOf(file).filter((t) => !PURE_CONTRACTS.includes(t)).map((t) => `${file} → ${t}`));
    expect(offending).toEqual([]);
  });

  it('the client imports from the server only its contracts and the pure domain it previews with', () => {
    const offending = sourceFiles('client/src').flatMap((file) =>
      importsOf(file)
        .filter((t) => t.startsWith('server/') && !t.startsWith('server/contracts/') && !t.startsWith('server/domain/') && !t.startsWith('server/schemas/') && !t.startsWith('server/contest-file/'))
        .map((t) => `${file} → ${t}`),
    );
    expect(offending).toEqual([]);
  });
});
