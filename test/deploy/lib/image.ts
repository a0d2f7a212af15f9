// The Dockerfile as read by dockerfile-ast (the parser of the Dockerfile language server), grouped
// by build stage; and the .dockerignore matcher of @balena/dockerignore (a port of Docker's own).
import { join } from 'node:path';
import ignoreModule from '@balena/dockerignore';
import { DockerfileParser, type From, type Instruction } from 'dockerfile-ast';
import { REPO, readText } from './files.ts';

export const DOCKERFILE_TEXT = readText(join(REPO, 'Dockerfile'));
export const DOCKERFILE = DockerfileParser.parse(DOCKERFILE_TEXT);

export interface Stage {
  from: From;
  name: string | undefined;
  instructions: Instruction[];
}

/** Build stages in order, each with the instructions after its FROM. */
export function stages(): Stage[] {
  const out: Stage[] = [];
  for (const i of DOCKERFILE.getInstructions()) {
    if (i.getKeyword() === 'FROM') out.push({ from: i as From, name: (i as From).getBuildStage() ?? undefined, instructions: [] });
    else out.at(-1)?.instructions.push(i);
  }
  return out;
}

/** Instructions before the first FROM. */
export function preamble(): Instruction[] {
  return DOCKERFILE.getInstructions().slice(0, DOCKERFILE.getInstructions().findIndex((i) => i.getKeyword() === 'FROM'));
}

/** Default values of the ARGs before the first FROM. */
export function globalArgs(): Map<string, string> {
  return new Map(DOCKERFILE.getInitialARGs().flatMap((a) => {
    const p = a.getProperty();
    return p ? [[p.getName(), p.getValue() ?? '']] : [];
  }));
}

/** A FROM's image with a leading ${ARG} resolved to that ARG's default. */
export function baseImage(from: From): string {
  const image = from.getImage() ?? '';
  const m = /^\$\{?(\w+)\}?$/.exec(image);
  return m ? (globalArgs().get(m[1] as string) ?? image) : image;
}

/** Flags of an instruction (COPY --from=..., RUN --mount=...) as name -> values. */
export function flags(i: Instruction): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const withFlags = i as Instruction & { getFlags?: () => { getName(): string; getValue(): string | null }[] };
  for (const f of withFlags.getFlags?.() ?? []) out.set(f.getName(), [...(out.get(f.getName()) ?? []), f.getValue() ?? '']);
  return out;
}

/** The argument words of an instruction, flags excluded. */
export function words(i: Instruction): string[] {
  return i.getArguments().map((a) => a.getValue()).filter((w) => !w.startsWith('--'));
}

/** The JSON array of an exec-form instruction (CMD, ENTRYPOINT, RUN, HEALTHCHECK CMD), else undefined. */
export function execForm(i: Instruction): string[] | undefined {
  const json = i as Instruction & { getJSONStrings?: () => { getJSONValue(): string }[] };
  const strings = json.getJSONStrings?.() ?? [];
  return strings.length > 0 ? strings.map((s) => s.getJSONValue()) : undefined;
}

// A CommonJS module typed with `export default`: under ESM the function may sit on .default.
type IgnoreFactory = () => { add(patterns: string): { ignores(path: string): boolean } };
const ignore = ((ignoreModule as unknown as { default?: IgnoreFactory }).default ?? ignoreModule) as IgnoreFactory;
const matcher = ignore().add(readText(join(REPO, '.dockerignore')));

/** Whether Docker leaves `path` (relative to the build context) out of the context. */
export function dockerignored(path: string): boolean {
  return matcher.ignores(path);
}
