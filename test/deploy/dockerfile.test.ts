// Static checks of the Dockerfile (parsed by dockerfile-ast) and .dockerignore (matched by
// @balena/dockerignore). No image is built here: buildah cannot fetch base images on this machine
// (docs/deployment.md, "Container image").
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Instruction } from 'dockerfile-ast';
import { REPO, isDir, isFile, readText } from './lib/files.ts';
import { DOCKERFILE, DOCKERFILE_TEXT, baseImage, dockerignored, execForm, flags, globalArgs, preamble, stages, words } from './lib/image.ts';

const STAGES = stages();
const runtime = STAGES.at(-1);
const byName = (name: string): (typeof STAGES)[number] | undefined => STAGES.find((s) => s.name === name);
const deps = byName('deps');
const app = byName('app');
const pkg = JSON.parse(readText(join(REPO, 'package.json'))) as { version: string; devDependencies: Record<string, string>; dependencies: Record<string, string> };

function all(keyword: string, list: Instruction[] = runtime?.instructions ?? []): Instruction[] {
  return list.filter((i) => i.getKeyword() === keyword);
}

/** The runtime image's instructions: its own and those of the stages it is built FROM. */
function runtimeChain(): Instruction[] {
  const chain: Instruction[] = [];
  for (let s = runtime; s; s = byName(s.from.getImage() ?? '')) chain.unshift(...s.instructions);
  return chain;
}

describe('Dockerfile', () => {
  it('parses: no parser directive, a multi-stage build, no unknown instructions', () => {
    assert.deepEqual(DOCKERFILE.getDirectives().map((d) => d.getName()), [], 'no `# syntax=` line (it pulls a frontend image)');
    assert.ok(STAGES.length >= 3, 'multi-stage');
    assert.ok(preamble().every((i) => i.getKeyword() === 'ARG'), 'only ARG before the first FROM');
    const known = new Set(['ARG', 'ENV', 'WORKDIR', 'COPY', 'RUN', 'LABEL', 'USER', 'EXPOSE', 'ENTRYPOINT', 'CMD', 'HEALTHCHECK', 'STOPSIGNAL']);
    for (const s of STAGES) for (const i of s.instructions) assert.ok(known.has(i.getKeyword()), `line ${i.getRange().start.line + 1}: unexpected ${i.getKeyword()}`);
  });

  it('takes the base images as build arguments, pinned by digest, Node 24 slim and distroless', () => {
    const args = globalArgs();
    assert.match(args.get('NODE_IMAGE') ?? '', /^(docker\.io\/library\/)?node:24(\.\d+)*-bookworm-slim@sha256:[0-9a-f]{64}$/);
    assert.match(args.get('RUNTIME_IMAGE') ?? '', /^gcr\.io\/distroless\/nodejs24-debian12:nonroot@sha256:[0-9a-f]{64}$/);
    for (const s of STAGES) {
      const image = s.from.getImage() ?? '';
      assert.ok(/^\$\{(NODE_IMAGE|RUNTIME_IMAGE)\}$/.test(image) || byName(image), `stage ${s.name}: FROM ${image} is neither a base-image ARG nor an earlier stage`);
    }
    assert.equal(baseImage(deps!.from), args.get('NODE_IMAGE'));
    assert.equal(baseImage(app!.from), args.get('RUNTIME_IMAGE'));
    assert.equal(runtime?.from.getImage(), 'app', 'the image is the "app" stage plus the compile cache');
  });

  it('installs production dependencies only, with npm ci from the lockfile; an extra CA only as a build secret', () => {
    const copies = all('COPY', deps!.instructions).map(words);
    assert.ok(copies.some((w) => w.includes('package.json') && w.includes('package-lock.json')), 'package.json and package-lock.json copied before npm ci');
    const ci = all('RUN', deps!.instructions).find((r) => /\bnpm ci\b/.test(r.getArgumentsContent() ?? ''));
    assert.ok(ci, 'npm ci');
    const command = ci.getArgumentsContent() ?? '';
    assert.match(command, /--omit=dev\b/);
    assert.match(command, /--ignore-scripts\b/);
    const mounts = flags(ci).get('mount') ?? [];
    assert.ok(mounts.includes('type=secret,id=ca'), 'optional build secret "ca"');
    assert.match(command, /NODE_EXTRA_CA_CERTS=\/run\/secrets\/ca/, 'the CA adds to Node\'s roots (cafile would replace them)');
    for (const s of STAGES) for (const r of all('RUN', s.instructions)) assert.doesNotMatch(r.getArgumentsContent() ?? '', /\bnpm (install|i)\b/, 'npm install would not follow the lockfile');
    assert.doesNotMatch(DOCKERFILE_TEXT.replace(/^#.*$/gm, ''), /COPY[^\n]*secrets|ADD\s/, 'nothing from a secret or ADD');
  });

  it('copies src/, schemas/, package.json and the production node_modules, root-owned', () => {
    const copies = all('COPY', app!.instructions);
    const sources = copies.flatMap((c) => words(c).slice(0, -1).map((src) => ({ src: src.replace(/\/$/, ''), from: flags(c).get('from')?.[0] })));
    for (const path of ['src', 'schemas', 'package.json']) {
      assert.ok(sources.some((s) => s.src === path && s.from === undefined), `COPY ${path}`);
      assert.ok(isDir(join(REPO, path)) || isFile(join(REPO, path)), `${path} exists in the repository`);
    }
    assert.ok(sources.some((s) => s.from === 'deps' && /node_modules$/.test(s.src)), 'node_modules from the deps stage');
    // Nothing the runtime image holds is owned by, or writable for, the runtime user.
    for (const c of [...copies, ...all('COPY')]) assert.equal(flags(c).get('chown'), undefined, `root-owned: COPY ${words(c).join(' ')}`);
  });

  it('writes the compile cache as uid 65532 at build time, and ships it root-owned and read-only', () => {
    const cache = byName('compile-cache');
    assert.ok(cache && cache.from.getImage() === 'app', 'the cache is warmed on the runtime files themselves');
    const users = all('USER', cache.instructions).map((u) => u.getArgumentsContent());
    assert.deepEqual(users, ['65532:65532'], 'warmed by the runtime uid (the cache key includes it)');
    assert.deepEqual(all('RUN', cache.instructions).map(execForm), [['/nodejs/bin/node', 'src/main.ts', '--help']]);
    const fix = byName('compile-cache-readonly');
    assert.match(all('RUN', fix?.instructions ?? []).map((r) => r.getArgumentsContent()).join('\n'), /chown -R 0:0 \/node-compile-cache && chmod -R a\+rX,go-w/);
    const copy = all('COPY').find((c) => flags(c).get('from')?.[0] === 'compile-cache-readonly');
    assert.deepEqual(copy && words(copy), ['/node-compile-cache', './.node-compile-cache']);
    const env = runtimeChain().filter((i) => i.getKeyword() === 'ENV').map((e) => e.getArgumentsContent()).join(' ');
    assert.match(env, /NODE_COMPILE_CACHE=\/app\/\.node-compile-cache/);
  });

  it('runs as a numeric non-root user', () => {
    const users = all('USER');
    assert.equal(users.length, 1);
    const m = /^(\d+)(?::(\d+))?$/.exec(users[0]?.getArgumentsContent() ?? '');
    assert.ok(m, 'USER uid[:gid], numeric, so runAsNonRoot can verify it');
    assert.notEqual(Number(m[1]), 0);
    assert.notEqual(Number(m[2] ?? 1), 0);
    const after = runtime!.instructions.slice(runtime!.instructions.indexOf(users[0] as Instruction) + 1);
    assert.ok(after.every((i) => ['EXPOSE', 'HEALTHCHECK', 'ENTRYPOINT', 'CMD', 'LABEL', 'ENV', 'STOPSIGNAL'].includes(i.getKeyword())), 'nothing after USER needs root or writes');
    assert.equal(all('RUN').length, 0, 'the runtime stage runs nothing');
  });

  it('exposes the default PORT', () => {
    assert.deepEqual(all('EXPOSE').map((e) => e.getArgumentsContent()), ['8080']);
    const env = runtimeChain().filter((i) => i.getKeyword() === 'ENV').map((e) => e.getArgumentsContent()).join(' ');
    assert.match(env, /\bPORT=8080\b/);
    assert.match(env, /\bNODE_ENV=production\b/);
  });

  it('starts `node src/main.ts serve` directly (exec form, node as PID 1, no npm, no demo)', () => {
    const ep = execForm(all('ENTRYPOINT').at(-1) as Instruction);
    const args = execForm(all('CMD').at(-1) as Instruction);
    assert.ok(ep && args, 'ENTRYPOINT and CMD in exec form (a shell would be PID 1 and swallow SIGTERM)');
    const argv = [...ep, ...args];
    assert.match(argv[0] ?? '', /(^|\/)node$/, `starts node, not ${argv[0]}`);
    assert.deepEqual(argv.slice(1), ['src/main.ts', 'serve']);
    assert.ok(!argv.some((a) => /npm|--demo|^sh$|bash/.test(a)));
    assert.doesNotMatch(DOCKERFILE_TEXT.replace(/^#.*$/gm, ''), /--demo/, 'demo mode never used by the image');
    assert.ok(isFile(join(REPO, 'src/main.ts')));
  });

  it('health check in exec form with the distroless node binary', () => {
    const hc = all('HEALTHCHECK').at(-1);
    const m = /CMD\s+(\[.*\])$/s.exec(hc?.getArgumentsContent() ?? '');
    assert.ok(m, 'HEALTHCHECK CMD [...]');
    const argv = JSON.parse(m[1] as string) as string[];
    assert.equal(argv[0], '/nodejs/bin/node');
    assert.match(argv.join(' '), /\/healthz/);
  });

  it('carries OCI labels, version in step with package.json, base.name the runtime base', () => {
    const labels = new Map(all('LABEL').flatMap((l) => (l as unknown as { getProperties(): { getName(): string; getValue(): string | null }[] }).getProperties().map((p) => [p.getName(), (p.getValue() ?? '').replace(/^"|"$/g, '')] as const)));
    for (const key of ['title', 'description', 'version', 'revision', 'created', 'licenses', 'source', 'base.name']) {
      assert.ok(labels.has(`org.opencontainers.image.${key}`), `org.opencontainers.image.${key}`);
    }
    assert.equal(labels.get('org.opencontainers.image.licenses'), 'Apache-2.0');
    assert.equal((pkg as { license?: string }).license, 'Apache-2.0');
    assert.match(readText(join(REPO, 'LICENSE')), /^\s*Apache License\s+Version 2\.0, January 2004[\s\S]+END OF TERMS AND CONDITIONS/, 'LICENSE holds the Apache-2.0 text');
    const version = all('ARG').map((a) => /^VERSION=(.+)$/.exec(a.getArgumentsContent() ?? '')?.[1]).find(Boolean);
    assert.equal(version, pkg.version, 'ARG VERSION default = package.json version');
    assert.equal(labels.get('org.opencontainers.image.base.name'), '${RUNTIME_IMAGE}');
    assert.ok(all('ARG').some((a) => a.getArgumentsContent() === 'RUNTIME_IMAGE'), 'RUNTIME_IMAGE re-declared in the stage so the label sees it');
  });

  it('header: the docker run example uses --read-only with a /tmp tmpfs', () => {
    const header = DOCKERFILE_TEXT.split('\n').filter((l) => l.startsWith('#')).join('\n');
    assert.match(header, /docker run [^\n]*--read-only --tmpfs \/tmp/);
  });
});

describe('the production install (npm ci --omit=dev) leaves out the devDependency node', () => {
  it('is a devDependency, marked dev in the lockfile, and no production dependency needs it', () => {
    assert.equal(pkg.devDependencies.node !== undefined && pkg.dependencies.node === undefined, true);
    const lock = JSON.parse(readText(join(REPO, 'package-lock.json'))) as { packages: Record<string, { dev?: boolean }> };
    assert.equal(lock.packages['node_modules/node']?.dev, true, 'npm omits exactly the packages the lockfile marks dev');
  });

  it('npm itself lists no `node` package in the production tree', () => {
    const r = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.error, undefined, 'npm runs');
    const paths = r.stdout.trim().split('\n');
    assert.ok(paths.some((p) => p.endsWith('/node_modules/express')), 'the production tree is listed');
    assert.ok(!paths.some((p) => /\/node_modules\/node$/.test(p)), 'node is not in the production tree');
    assert.ok(paths.some((p) => p.endsWith('/node_modules/undici')));
  });
});

describe('.dockerignore', () => {
  it('keeps out everything the image does not need', () => {
    for (const path of ['node_modules/yaml/package.json', '.git/HEAD', 'test/deploy/dockerfile.test.ts', 'bench/run.ts', 'docs/deployment.md',
      'deploy/kubernetes/base/deployment.yaml', 'coverage/lcov.info', '.env', 'Dockerfile', '.ci/run', 'src/node_modules/x.js', 'profile.cpuprofile', 'corp-ca.pem']) {
      assert.ok(dockerignored(path), `${path} is sent to the builder`);
    }
  });

  it('sends what the Dockerfile copies', () => {
    for (const path of ['package.json', 'package-lock.json', 'src/main.ts', 'src/observability/metrics.ts', 'schemas/config.schema.json', 'schemas/legacy/x.json']) {
      assert.ok(!dockerignored(path), `${path} is excluded but the image needs it`);
    }
  });
});

describe('memory settings in the image', () => {
  it('sets MALLOC_ARENA_MAX=1 next to the heap options (the benchmark reads both from here)', () => {
    assert.match(DOCKERFILE_TEXT, /^\s+MALLOC_ARENA_MAX=1\s*$/m);
    assert.match(DOCKERFILE_TEXT, /NODE_OPTIONS="--max-old-space-size=\d+ --max-semi-space-size=\d+"/);
  });
});
