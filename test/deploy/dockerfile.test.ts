// Static checks of the Dockerfile and .dockerignore (there is no Docker engine to build with).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO, isDir, isFile, readText } from './lib/files.ts';
import { type Instruction, dockerignoreExcludes, execForm, labelPairs, parseDockerfile, splitFlags } from './lib/dockerfile.ts';

const DOCKERFILE = readText(join(REPO, 'Dockerfile'));
const DOCKERIGNORE = readText(join(REPO, '.dockerignore'));
const { preamble, stages } = parseDockerfile(DOCKERFILE);
const runtime = stages.at(-1);
const pkg = JSON.parse(readText(join(REPO, 'package.json'))) as { version: string; engines?: { node?: string } };

function all(keyword: string, list: Instruction[] = runtime?.instructions ?? []): Instruction[] {
  return list.filter((i) => i.keyword === keyword);
}

describe('Dockerfile', () => {
  it('parses: a syntax directive, a multi-stage build, no unknown instructions', () => {
    assert.match(DOCKERFILE, /^# syntax=docker\/dockerfile:1\b/, 'BuildKit syntax directive (RUN --mount needs it)');
    assert.ok(stages.length >= 2, 'multi-stage');
    assert.ok(preamble.every((i) => i.keyword === 'ARG'), 'only ARG before the first FROM');
    const known = new Set(['ARG', 'ENV', 'WORKDIR', 'COPY', 'RUN', 'LABEL', 'USER', 'EXPOSE', 'ENTRYPOINT', 'CMD', 'HEALTHCHECK', 'STOPSIGNAL']);
    for (const s of stages) for (const i of s.instructions) assert.ok(known.has(i.keyword), `line ${i.line}: unexpected ${i.keyword}`);
    assert.ok(!/^\s*ADD\s/m.test(DOCKERFILE), 'COPY, not ADD');
  });

  it('builds on Node 24 images: slim for the dependencies, distroless for the runtime', () => {
    const deps = stages[0];
    assert.ok(deps && runtime);
    assert.match(deps.from, /^node:24(\.\d+)*-(bookworm-)?slim(@sha256:[0-9a-f]{64})?$/, `deps stage base ${deps.from}`);
    assert.match(runtime.from, /^gcr\.io\/distroless\/nodejs24-debian\d+(:nonroot)?(@sha256:[0-9a-f]{64})?$/, `runtime base ${runtime.from}`);
    for (const s of stages) assert.doesNotMatch(s.from, /:latest\b/, 'no :latest');
    assert.ok(runtime.from.includes(':nonroot'), 'the nonroot variant');
  });

  it('installs production dependencies only, with npm ci from the lockfile', () => {
    const deps = stages[0] as NonNullable<typeof runtime>;
    const copies = all('COPY', deps.instructions).map((c) => splitFlags(c.args).rest);
    assert.ok(copies.some((words) => words.includes('package.json') && words.includes('package-lock.json')), 'package.json and package-lock.json copied before npm ci');
    const runs = all('RUN', deps.instructions).map((r) => r.args);
    const ci = runs.find((r) => /\bnpm ci\b/.test(r));
    assert.ok(ci, 'npm ci');
    assert.match(ci, /--omit=dev\b/);
    assert.match(ci, /--ignore-scripts\b/);
    for (const s of stages) for (const r of all('RUN', s.instructions)) assert.doesNotMatch(r.args, /\bnpm (install|i)\b/, 'npm install would not follow the lockfile');
    // The runtime stage has no shell: its one RUN (warming Node's compile cache) is exec form, node.
    assert.ok(all('RUN').length <= 1);
    for (const r of all('RUN')) assert.match(r.args, /^\["\/nodejs\/bin\/node", "src\/main\.ts", "--help"\]$/, 'RUN in the runtime stage: exec form node only');
  });

  it('copies src/, schemas/, package.json and the production node_modules into the runtime', () => {
    const copies = all('COPY').map((c) => splitFlags(c.args));
    const sources = copies.flatMap((c) => c.rest.slice(0, -1).map((src) => ({ src: src.replace(/\/$/, ''), from: c.flags.get('from') })));
    for (const path of ['src', 'schemas', 'package.json']) {
      assert.ok(sources.some((s) => s.src === path && s.from === undefined), `COPY ${path}`);
      assert.ok(isDir(join(REPO, path)) || isFile(join(REPO, path)), `${path} exists in the repository`);
    }
    const deps = stages[0]?.name;
    assert.ok(sources.some((s) => s.from === deps && /node_modules$/.test(s.src)), 'node_modules from the deps stage');
    // Code and dependencies stay root-owned (not writable by the process); the one exception is the
    // empty compile-cache directory, which the runtime user fills at build time.
    for (const c of copies) if (!c.rest.includes('./.node-compile-cache')) assert.equal(c.flags.get('chown'), undefined, `files stay root-owned: ${c.rest.join(' ')}`);
  });

  it('runs as a numeric non-root user', () => {
    const users = all('USER');
    assert.equal(users.length, 1);
    const m = /^(\d+)(?::(\d+))?$/.exec(users[0]?.args ?? '');
    assert.ok(m, 'USER uid[:gid], numeric, so runAsNonRoot can verify it');
    assert.notEqual(Number(m[1]), 0);
    assert.notEqual(Number(m[2] ?? 1), 0);
    // The last instructions run as that user: nothing after USER may need root.
    const after = runtime?.instructions.slice(runtime.instructions.indexOf(users[0] as Instruction) + 1) ?? [];
    assert.ok(after.every((i) => ['EXPOSE', 'HEALTHCHECK', 'ENTRYPOINT', 'CMD', 'LABEL', 'ENV', 'STOPSIGNAL', 'RUN'].includes(i.keyword)));
  });

  it('exposes the default PORT', () => {
    assert.deepEqual(all('EXPOSE').map((e) => e.args), ['8080']);
    const env = all('ENV').map((e) => e.args).join(' ');
    assert.match(env, /\bPORT=8080\b/);
    assert.match(env, /\bNODE_ENV=production\b/);
  });

  it('starts `node src/main.ts serve` directly (exec form, node as PID 1, no npm, no demo)', () => {
    const entrypoint = all('ENTRYPOINT').at(-1);
    const cmd = all('CMD').at(-1);
    const ep = entrypoint ? execForm(entrypoint.args) : [];
    const args = cmd ? execForm(cmd.args) : [];
    assert.ok(ep && args, 'ENTRYPOINT and CMD in exec form (a shell would be PID 1 and swallow SIGTERM)');
    const argv = [...ep, ...args];
    assert.match(argv[0] ?? '', /(^|\/)node$/, `starts node, not ${argv[0]}`);
    assert.deepEqual(argv.slice(1), ['src/main.ts', 'serve']);
    assert.ok(!argv.some((a) => /npm|--demo|^sh$|bash/.test(a)));
    assert.doesNotMatch(DOCKERFILE.replace(/^#.*$/gm, ''), /--demo/, 'demo mode never used by the image');
  });

  const main = join(REPO, 'src/main.ts');
  it('the entry point src/main.ts exists', { todo: isFile(main) ? false : 'src/main.ts is not written yet' }, () => {
    assert.ok(isFile(main));
  });

  it('health check in exec form with the distroless node binary', () => {
    const hc = all('HEALTHCHECK').at(-1);
    assert.ok(hc);
    const m = /CMD\s+(\[.*\])$/.exec(hc.args);
    assert.ok(m, 'HEALTHCHECK CMD [...]');
    const argv = execForm(m[1] as string) ?? [];
    assert.equal(argv[0], '/nodejs/bin/node');
    assert.match(argv.join(' '), /\/healthz/);
  });

  it('carries OCI labels, version in step with package.json', () => {
    const labels = new Map(all('LABEL').flatMap((l) => [...labelPairs(l.args)]));
    for (const key of ['title', 'description', 'version', 'revision', 'created', 'licenses', 'source', 'base.name']) {
      assert.ok(labels.has(`org.opencontainers.image.${key}`), `org.opencontainers.image.${key}`);
    }
    const version = all('ARG').map((a) => /^VERSION=(.+)$/.exec(a.args)?.[1]).find(Boolean);
    assert.equal(version, pkg.version, 'ARG VERSION default = package.json version');
    assert.equal(labels.get('org.opencontainers.image.base.name'), runtime?.from);
  });
});

describe('.dockerignore', () => {
  it('keeps out everything the image does not need', () => {
    for (const path of ['node_modules/yaml/package.json', '.git/HEAD', 'test/deploy/dockerfile.test.ts', 'bench/run.ts', 'docs/deployment.md',
      'deploy/kubernetes/base/deployment.yaml', 'coverage/lcov.info', '.env', 'Dockerfile', '.ci/run', 'src/node_modules/x.js', 'profile.cpuprofile']) {
      assert.ok(dockerignoreExcludes(DOCKERIGNORE, path), `${path} is sent to the builder`);
    }
  });

  it('sends what the Dockerfile copies', () => {
    for (const path of ['package.json', 'package-lock.json', 'src/main.ts', 'src/observability/metrics.ts', 'schemas/config.schema.json', 'schemas/legacy/x.json']) {
      assert.ok(!dockerignoreExcludes(DOCKERIGNORE, path), `${path} is excluded but the image needs it`);
    }
  });

  it('matches like Docker (last rule wins, parents count)', () => {
    assert.equal(dockerignoreExcludes('*\n!src\n', 'src/a/b.ts'), false);
    assert.equal(dockerignoreExcludes('*\n!src\nsrc/**/*.md\n', 'src/a/b.md'), true);
    assert.equal(dockerignoreExcludes('node_modules\n', 'node_modules/x'), true);
    assert.equal(dockerignoreExcludes('node_modules\n', 'src/node_modules/x'), false);
  });
});

describe('Node compile cache in the image', () => {
  const text = readText(join(REPO, 'Dockerfile'));
  it('is set, owned by the runtime user and warmed by that user (the cache key includes the uid)', () => {
    const dir = /NODE_COMPILE_CACHE=(\S+)/.exec(text)?.[1];
    assert.equal(dir, '/app/.node-compile-cache');
    assert.match(text, /COPY --from=deps --chown=65532:65532 \/node-compile-cache \.\/\.node-compile-cache/);
    const lines = text.split('\n').filter((l) => !l.startsWith('#'));
    const user = lines.findIndex((l) => l.startsWith('USER 65532:65532'));
    const warm = lines.findIndex((l) => l.startsWith('RUN ["/nodejs/bin/node", "src/main.ts", "--help"]'));
    assert.ok(user >= 0 && warm > user, 'warmed after USER, so the entries are keyed to uid 65532');
  });
});

describe('memory settings in the image', () => {
  it('sets MALLOC_ARENA_MAX=1 next to the heap options (the benchmark reads both from here)', () => {
    const text = readText(join(REPO, 'Dockerfile'));
    assert.match(text, /^\s+MALLOC_ARENA_MAX=1\s*$/m);
    assert.match(text, /NODE_OPTIONS="--max-old-space-size=\d+ --max-semi-space-size=\d+"/);
  });
});
