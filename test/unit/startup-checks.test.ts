// The start-up checks without a process: CA bundles, ID map files, listen errors.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { ConfigError } from '../../src/config.ts';
import { checkCaFile, checkIdMapFile, listenError } from '../../src/startup-checks.ts';

const dir = mkdtempSync(join(tmpdir(), 'evs-gw-checks-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

describe('checkCaFile', () => {
  it('counts the certificates of a PEM bundle', () => {
    assert.equal(checkCaFile('SDRS_CA_FILE', file('two.pem', `# comment\n${rootCertificates[0]}\n${rootCertificates[2]}\n`)), 2);
  });

  it('refuses a missing file, a directory, text without PEM blocks and a block that is not a certificate', () => {
    assert.throws(() => checkCaFile('SDRS_CA_FILE', join(dir, 'missing.pem')), (e: Error) => e instanceof ConfigError && /^SDRS_CA_FILE: cannot read .*: no such file$/.test(e.message));
    assert.throws(() => checkCaFile('EVS_CA_FILE', dir), /EVS_CA_FILE: cannot read .*: is a directory$/);
    assert.throws(() => checkCaFile('EVS_CA_FILE', file('der.crt', 'MIIB...binary')), /EVS_CA_FILE: .* holds no PEM certificate/);
    const broken = `${rootCertificates[0]}\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`;
    assert.throws(() => checkCaFile('EVS_CA_FILE', file('broken.pem', broken)), /EVS_CA_FILE: certificate 2 in .* does not parse/);
  });
});

describe('checkIdMapFile', () => {
  it('loads a valid map and names the file and the first line of the reason otherwise', () => {
    assert.equal(checkIdMapFile(file('ok.yaml', 'replication_consistency_groups:\n  a: b\nreplications: {}\n')), 1);
    assert.throws(() => checkIdMapFile(file('bad.yaml', 'x: [\n')), (e: Error) => e instanceof ConfigError && /^ID_MAP_FILE: .*bad\.yaml: /.test(e.message) && !e.message.includes('\n'));
    assert.throws(() => checkIdMapFile(join(dir, 'none.yaml')), /ID_MAP_FILE: cannot read .*: no such file$/);
  });
});

describe('listenError', () => {
  const err = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });
  it('names PORT or HOST by the error code, and leaves other errors alone', () => {
    assert.match(listenError(err('EADDRINUSE'), '0.0.0.0', 8080)?.message ?? '', /^PORT: 8080 on 0\.0\.0\.0 is already in use/);
    assert.match(listenError(err('EACCES'), '0.0.0.0', 80)?.message ?? '', /^PORT: not allowed to listen on 80/);
    assert.match(listenError(err('EADDRNOTAVAIL'), '192.0.2.1', 8080)?.message ?? '', /^HOST: "192\.0\.2\.1" is not an address of this machine/);
    assert.match(listenError(err('ENOTFOUND'), 'x.invalid', 8080)?.message ?? '', /^HOST: "x\.invalid" does not resolve/);
    assert.equal(listenError(err('EPIPE'), 'h', 1), undefined);
  });
});
