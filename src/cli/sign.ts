// `evs-sdrs-gateway sign --ak AK --sk SK [--scoped] METHOD URL [BODY]`: prints a ready-to-paste
// curl command carrying an SDK-HMAC-SHA256 signature, so an operator can try an AK/SK-signed call
// by hand (docs/aksk.md). Signs host, x-sdk-date, and content-type / x-project-id /
// x-security-token when they are sent; curl's own User-Agent and Accept stay unsigned.
import { parseArgs } from 'node:util';
import { formatSdkDate } from '../auth/sdk-date.ts';
import { signRequest } from '../auth/signature.ts';

const HELP = `Usage: evs-sdrs-gateway sign --ak AK --sk SK [--scoped [--region R] [--service S]]
                              [--project-id P] [--security-token T] METHOD URL [BODY]

Prints a curl command for METHOD URL signed with the access key AK and secret key SK.
BODY is sent byte for byte as application/json. The signature is valid for 15 minutes.

  --scoped          sign in the Credential (scoped) form, as gophertelekomcloud and the OTC
                    Terraform provider do; default: the Access form of the huaweicloud SDKs
  --region, --service   the scope's region and service (default empty, as gophertelekomcloud)
  --project-id P    send X-Project-Id: P
  --security-token T    send X-Security-Token: T (temporary credentials)

--sk shows up in the process list and the shell history: use it with test keys.

Example:
  evs-sdrs-gateway sign --ak DEMOAK --sk DEMOSK POST \\
    http://127.0.0.1:8080/v2/PROJECT/os-vendor-replication-consistency-groups/GROUP/action \\
    '{"os-sync-replication-consistency-group": null}'`;

/** Quotes for a POSIX shell: single quotes, with ' written as '\\''. */
export function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

export interface SignCommand {
  method: string;
  url: URL;
  headers: [string, string][];
  body?: string;
}

export function signedCommand(args: {
  ak: string; sk: string; scoped: boolean; region: string; service: string; projectId?: string; securityToken?: string;
  method: string; url: URL; body?: string; now: number;
}): SignCommand {
  const sent: [string, string][] = [];
  if (args.body !== undefined) sent.push(['Content-Type', 'application/json']);
  sent.push(['X-Sdk-Date', formatSdkDate(args.now)]);
  if (args.projectId !== undefined) sent.push(['X-Project-Id', args.projectId]);
  if (args.securityToken !== undefined) sent.push(['X-Security-Token', args.securityToken]);
  const signed: Record<string, string> = { host: args.url.host };
  for (const [name, value] of sent) signed[name.toLowerCase()] = value;
  const result = signRequest(
    { method: args.method, rawPath: args.url.pathname, rawQuery: args.url.search.slice(1), headers: signed, body: args.body ?? '' },
    { accessKey: args.ak, secretKey: args.sk },
    { scheme: args.scoped ? 'credential' : 'access', region: args.region, service: args.service },
  );
  return { method: args.method, url: args.url, headers: [...sent, ['Authorization', result.authorization]], body: args.body };
}

export function curlCommand(cmd: SignCommand): string {
  const lines = [`curl -i -X ${shellQuote(cmd.method)}`];
  for (const [name, value] of cmd.headers) lines.push(`-H ${shellQuote(`${name}: ${value}`)}`);
  if (cmd.body !== undefined) lines.push(`--data-binary ${shellQuote(cmd.body)}`);
  lines.push(shellQuote(cmd.url.href));
  return lines.join(' \\\n  ');
}

function usageError(message: string): number {
  process.stderr.write(`evs-sdrs-gateway sign: ${message}\n\n${HELP}\n`);
  return 2;
}

export function runSign(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ak: { type: 'string' }, sk: { type: 'string' }, scoped: { type: 'boolean', default: false },
      region: { type: 'string', default: '' }, service: { type: 'string', default: '' },
      'project-id': { type: 'string' }, 'security-token': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (!values.ak || !values.sk) return usageError('--ak and --sk are required');
  if (positionals.length < 2 || positionals.length > 3) return usageError('expected METHOD URL [BODY]');
  if (!values.scoped && (values.region || values.service)) return usageError('--region and --service belong to the scoped form: add --scoped');
  const [method, rawUrl, body] = positionals as [string, string, string | undefined];
  if (!/^[A-Za-z]+$/.test(method)) return usageError(`METHOD must be an HTTP method such as GET or POST`);
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return usageError('URL must be absolute, for example http://127.0.0.1:8080/v2/PROJECT/os-vendor-volumes');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return usageError('URL must be http:// or https://');
  const now = Date.now();
  const cmd = signedCommand({ ak: values.ak, sk: values.sk, scoped: values.scoped, region: values.region, service: values.service, projectId: values['project-id'], securityToken: values['security-token'], method: method.toUpperCase(), url, body, now });
  process.stdout.write(`${curlCommand(cmd)}\n`);
  process.stderr.write(`# signed at ${new Date(now - (now % 1000)).toISOString()}; valid while the receiver's clock is within 15 minutes of that\n`);
  return 0;
}
