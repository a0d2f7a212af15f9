// src/auth/ is pure signing logic: node built-ins, the yaml parser (src/yaml.ts loads it on first
// use), the error catalogue (a leaf) and its own modules only, so
// the HTTP layer can be restructured around it and the emulator's independent verifier shares
// nothing with it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../../src/auth/', import.meta.url));

describe('src/auth layering', () => {
  it('imports only node:*, ../yaml.ts, ../errors.ts and ./ modules', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length >= 8, 'files found');
    const all = new Set<string>();
    for (const f of files) {
      const specifiers = [...readFileSync(`${DIR}${f}`, 'utf8').matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
      for (const s of specifiers) {
        assert.match(s, /^(node:[a-z/]+|\.\.\/yaml\.ts|\.\.\/errors\.ts|\.\/[a-z-]+\.ts)$/, `${f} imports ${s}`);
        all.add(s);
      }
    }
    assert.ok(all.has('node:crypto') && all.has('./signature.ts'), 'the scan sees the imports');
  });
});
