// YAML for the setting files (CONFIG_FILE, ACCESS_KEYS_FILE, ID_MAP_FILE), loaded on first use.
// The yaml package is 72 modules, and most gateways are configured by environment alone: loading
// it at start-up cost every start its module loading for nothing. `require` keeps the parse
// synchronous (the package ships a CommonJS build), as the callers' file loading is.
import { createRequire } from 'node:module';

type Yaml = typeof import('yaml');
let yaml: Yaml | undefined;
const load = (): Yaml => (yaml ??= createRequire(import.meta.url)('yaml') as Yaml);

/** YAML is a superset of JSON: one parser serves both. */
export function parseYaml(text: string): unknown {
  return load().parse(text);
}

/** The position and code of a YAML syntax error (never its message: it quotes the offending line). */
export function yamlErrorPosition(err: unknown): { code: string; line?: number; col?: number } | undefined {
  if (!yaml || !(err instanceof yaml.YAMLError)) return undefined;
  const at = err.linePos?.[0];
  return at ? { code: err.code, line: at.line, col: at.col } : { code: err.code };
}
