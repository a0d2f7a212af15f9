// Code comments cite documents in this repository (docs/) or public sources, never notes that live
// outside it; and every `docs/sdrs-notes.md §N` a comment cites is a section that note has.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const FILES = [...tsFiles(join(ROOT, 'src')), ...tsFiles(join(ROOT, 'test'))];
// Built from parts so this file does not match itself.
const OUTSIDE = [...['sdrs-api', 'evs-legacy-api', 'aksk-signing', 'gateway-anchors'].map((n) => `${n}.md`), ['shared', 'reference'].join('/')];

describe('citations in src/ and test/', () => {
  it('name no document outside the repository', () => {
    const hits = FILES.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) => (OUTSIDE.some((o) => line.includes(o)) ? [`${relative(ROOT, f)}:${i + 1}: ${line.trim()}`] : [])),
    );
    assert.deepEqual(hits, []);
  });

  it('name only docs/ files that exist', () => {
    const cited = new Set(FILES.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\bdocs\/([\w.-]+\.md)/g)].map((m) => m[1]!)));
    assert.ok(cited.has('sdrs-notes.md'));
    for (const name of cited) assert.ok(existsSync(join(ROOT, 'docs', name)), `docs/${name} is cited but missing`);
  });

  it('cite only sections docs/sdrs-notes.md has', () => {
    const note = readFileSync(join(ROOT, 'docs', 'sdrs-notes.md'), 'utf8');
    // A section is a heading `### §N ...` or a list item `- §N ...`.
    const sections = new Set([...note.matchAll(/^(?:#+|\s*-) (§\d+(?:\.\d+)*|L\d+(?:\.\d+)*)\b/gm)].map((m) => m[1]!));
    const missing: string[] = [];
    for (const f of FILES) {
      for (const m of readFileSync(f, 'utf8').matchAll(/docs\/sdrs-notes\.md ((?:§|L)\d+(?:\.\d+)*)/g)) {
        if (!sections.has(m[1]!)) missing.push(`${relative(ROOT, f)}: ${m[1]}`);
      }
    }
    assert.deepEqual(missing, []);
  });
});
