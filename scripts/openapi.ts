// npm run openapi: writes docs/openapi.json, the document GET /openapi.json serves, so it can be
// read, diffed and linted without a running gateway. `--check` writes nothing and exits 1 when the
// committed file is stale (test/openapi.test.ts does the same comparison inside `npm test`).
import { readFileSync, writeFileSync } from 'node:fs';
import { renderOpenApi } from '../src/http/openapi.ts';

const FILE = new URL('../docs/openapi.json', import.meta.url);
const text = renderOpenApi();

if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(FILE, 'utf8');
  } catch {
    // a missing file is stale too
  }
  if (committed !== text) {
    process.stderr.write('docs/openapi.json is not what src/http/openapi.ts builds: run `npm run openapi` and commit it\n');
    process.exit(1);
  }
  process.stdout.write('docs/openapi.json is up to date\n');
} else {
  writeFileSync(FILE, text);
  process.stdout.write(`wrote docs/openapi.json (${text.length} bytes)\n`);
}
