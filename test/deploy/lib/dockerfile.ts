// A minimal Dockerfile reader (no Docker engine here): instructions with line continuations
// joined and comments dropped, grouped by build stage; and .dockerignore matching with Docker's
// rules (last matching pattern wins, a pattern also matches a path's parent directories).

export interface Instruction {
  keyword: string;
  /** Text after the keyword, flags included. */
  args: string;
  line: number;
  stage: number;
}

export interface Stage {
  index: number;
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** Instructions before the first FROM (ARG only). */
  preamble: Instruction[];
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const lines = text.split(/\r?\n/);
  const result: Dockerfile = { preamble: [], stages: [] };
  let buffer = '';
  let startLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const trimmed = raw.trim();
    // Comment lines (also inside a continued instruction, where Docker drops them too).
    if (trimmed.startsWith('#')) continue;
    if (buffer === '' && trimmed === '') continue;
    if (buffer === '') startLine = i + 1;
    if (trimmed.endsWith('\\')) {
      buffer += `${trimmed.slice(0, -1)} `;
      continue;
    }
    buffer += trimmed;
    const m = /^(\w+)\s*(.*)$/s.exec(buffer);
    buffer = '';
    if (!m) continue;
    const keyword = (m[1] as string).toUpperCase();
    const args = (m[2] as string).trim();
    if (keyword === 'FROM') {
      const f = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!f) throw new Error(`Dockerfile:${startLine}: cannot read FROM ${args}`);
      result.stages.push({ index: result.stages.length, from: f[1] as string, name: f[2], instructions: [] });
      continue;
    }
    const stage = result.stages.at(-1);
    const instruction: Instruction = { keyword, args, line: startLine, stage: stage ? stage.index : -1 };
    if (stage) stage.instructions.push(instruction);
    else result.preamble.push(instruction);
  }
  if (buffer !== '') throw new Error('Dockerfile: ends inside a continued line');
  return result;
}

/** The JSON array of an exec-form instruction (CMD/ENTRYPOINT/HEALTHCHECK CMD), or undefined for shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`not an exec-form array: ${args}`);
  return parsed as string[];
}

/** Flags (--from=deps, --mount=...) and the remaining words of an instruction. */
export function splitFlags(args: string): { flags: Map<string, string>; rest: string[] } {
  const flags = new Map<string, string>();
  const words = args.split(/\s+/).filter(Boolean);
  while (words[0]?.startsWith('--')) {
    const w = words.shift() as string;
    const eq = w.indexOf('=');
    flags.set(eq > 0 ? w.slice(2, eq) : w.slice(2), eq > 0 ? w.slice(eq + 1) : '');
  }
  return { flags, rest: words };
}

/** LABEL key="value" ... pairs. */
export function labelPairs(args: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of args.matchAll(/([\w.-]+)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
    const value = m[2] as string;
    out.set(m[1] as string, value.startsWith('"') ? (JSON.parse(value) as string) : value);
  }
  return out;
}

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '*' && pattern.charAt(i + 1) === '*') {
      // "**/" matches any number of directories, "**" at the end anything.
      if (pattern.charAt(i + 2) === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether Docker leaves `path` (relative to the context, `/`-separated) out of the build context. */
export function dockerignoreExcludes(dockerignore: string, path: string): boolean {
  const rules = dockerignore.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')).map((l) => {
    const negate = l.startsWith('!');
    const pattern = (negate ? l.slice(1) : l).trim().replace(/^\/+/, '').replace(/\/+$/, '');
    return { negate, re: globToRegExp(pattern) };
  });
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let excluded = false;
  for (const rule of rules) {
    if (candidates.some((c) => rule.re.test(c))) excluded = !rule.negate;
  }
  return excluded;
}
