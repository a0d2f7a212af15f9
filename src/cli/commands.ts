// The CLI (run by src/main.ts): `serve` (default), `check`, `emulator`, `translate`, `sign`, `usage`. Signals and graceful shutdown live here.
import { parseArgs } from 'node:util';
import { demoSignedCurl, writeDemoKeyFile, type DemoKey } from './demo-aksk.ts';
import { ConfigError, loadConfig, settingGiven, type Config } from '../config.ts';
import { logDestination } from '../observability/log-format.ts';
import { createLogger } from '../observability/logger.ts';
import { demoIamHelp, withDemoIam } from '../demo-iam.ts';
import { createGateway } from '../server.ts';
import { checkStartup, listenError } from '../startup-checks.ts';
import { VERSION } from '../version.ts';

const HELP: Record<string, string> = {
  main: `evs-sdrs-gateway ${VERSION}: legacy EVS replication-consistency-group API on top of SDRS

Usage: evs-sdrs-gateway <command> [options]

Commands:
  serve        run the gateway (default)
  check        validate the configuration (settings and the files they name), print OK or the
               problem, exit 0 or 2; nothing is started
  emulator     run the SDRS emulator alone
  translate    print the SDRS request(s) a legacy request becomes, without sending anything
  sign         print a curl command signed with an access key / secret key (AK/SK)
  usage        print which projects and tools still call the legacy API (GET /usage of a gateway)

Run 'evs-sdrs-gateway <command> --help' for a command's options. Settings come from environment
variables (and CONFIG_FILE); see README.md.`,
  serve: `Usage: evs-sdrs-gateway serve [--demo]

Runs the gateway on PORT (default 8080) in front of SDRS_ENDPOINT.

  --demo   when SDRS_ENDPOINT is unset, start the embedded SDRS emulator, seed a demo protection
           group and print a curl command to try (this is what 'npm start' does). Without --demo,
           a missing SDRS_ENDPOINT is an error: a production deployment never falls back to demo.`,
  check: `Usage: evs-sdrs-gateway check [--demo]

Validates what \`serve\` would use: every setting (environment and CONFIG_FILE), the files they
name (SDRS_CA_FILE and EVS_CA_FILE must hold PEM certificates, ID_MAP_FILE must be a valid map,
ACCESS_KEYS_FILE must load, TLS_CERT_FILE and TLS_KEY_FILE must be a matching pair and
TLS_CA_FILE PEM), that LOG_FORMAT=pretty has pino-pretty, and that HOST resolves. Prints
"OK: ..." and exits 0, or prints the problem and exits 2.

  --demo   check for 'serve --demo' (SDRS_ENDPOINT may be unset)`,
  emulator: `Usage: evs-sdrs-gateway emulator [--seed]

Runs the SDRS emulator on EMULATOR_PORT (default 8090). EMULATOR_JOB_DELAY_MS sets how long jobs
run; EMULATOR_FAULTS (JSON array of fault rules) injects faults; see docs/emulator.md.

  --seed   seed the demo protection group for DEMO_PROJECT_ID and print its ids`,
};

function fail(message: string, code = 2): never {
  process.stderr.write(`evs-sdrs-gateway: ${message}\n`);
  process.exit(code);
}

/** Any token works in demo mode, so it listens on 127.0.0.1 only, unless HOST is set explicitly. */
function withDemoHost(config: Config, demo: boolean): Config {
  return demo && !config.sdrsEndpoint && !settingGiven('HOST') ? { ...config, host: '127.0.0.1' } : config;
}

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { demo: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return void process.stdout.write(`${HELP.serve}\n`);
  let config: Config = withDemoHost(loadConfig(), values.demo);
  await checkStartup(config, { demo: values.demo });
  const logger = createLogger(config.logLevel, logDestination(config.logFormat));
  let stopEmulator: (() => Promise<void>) | undefined;
  let demo: { projectId: string; groupId: string; key: DemoKey; user: { name: string; password: string; domain: string } } | undefined;
  let removeDemoKeys: (() => void) | undefined;

  if (!config.sdrsEndpoint) {
    const { createEmulator } = await import('../emulator/index.ts');
    const emulator = createEmulator({ jobDelayMs: config.emulatorJobDelayMs });
    const url = await emulator.listen(0, '127.0.0.1');
    const seeded = emulator.seedDemo(config.demoProjectId);
    const key = { accessKey: seeded.credentials.accessKey, secretKey: seeded.credentials.secretKey, projectId: config.demoProjectId };
    demo = { projectId: config.demoProjectId, groupId: seeded.id, key, user: seeded.credentials.user };
    stopEmulator = () => emulator.close();
    config = await withDemoIam({ ...config, sdrsEndpoint: url }, url);
    if (config.inboundAuth === 'verify' && !config.accessKeysFile) {
      // The gateway verifies the demo key's signatures like any other key's.
      const keyFile = writeDemoKeyFile(demo.key);
      removeDemoKeys = keyFile.remove;
      config = { ...config, accessKeysFile: keyFile.path };
    }
    logger.warn({ emulator: url, projectId: demo.projectId, groupId: demo.groupId }, 'DEMO MODE: SDRS_ENDPOINT is not set, talking to the embedded SDRS emulator; nothing reaches a real cloud');
  }

  const gateway = createGateway(config, { logger });
  const url = await gateway.start().catch((err: unknown) => {
    throw listenError(err, config.host, config.port) ?? err;
  });
  const adminUrl = gateway.adminUrl ?? url;
  logger.info(
    { url, sdrs: config.sdrsEndpoint, evs: config.evsEndpoint ?? null, actionWait: [...config.actionWait], admin: adminUrl, iam: config.iamEndpoint ?? null },
    'gateway listening',
  );

  if (demo) {
    const base = `${url}/v2/${demo.projectId}/os-vendor-replication-consistency-groups/${demo.groupId}`;
    process.stdout.write(
      `\nDemo mode: the gateway on ${url} talks to an embedded SDRS emulator.\nTry it (any token works in demo mode):\n\n` +
        `  curl -i -X POST -H 'X-Auth-Token: demo' -H 'Content-Type: application/json' \\\n       -d '{"os-sync-replication-consistency-group": null}' \\\n       ${base}/action\n\n` +
        `  curl -s -H 'X-Auth-Token: demo' ${base}\n\n` +
        `The same read signed with the demo access key (AK/SK, valid for 15 minutes; make a fresh one with\n` +
        `node src/main.ts sign --ak ${demo.key.accessKey} --sk ${demo.key.secretKey} GET ${base}):\n\n` +
        `  ${demoSignedCurl(demo.key, base).replaceAll('\n', '\n  ')}\n\n` +
        `  curl -s ${adminUrl}/metrics | grep evs_gateway_requests_total\n` +
        `  node src/main.ts usage --url ${adminUrl}     # who called the legacy API\n\n` +
        (config.iamEndpoint === config.sdrsEndpoint ? demoIamHelp(url, demo.user, demo.projectId) : ''),
    );
  }

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, inFlight: gateway.inFlight, timeoutMs: config.shutdownTimeoutMs }, 'shutting down: not ready, draining in-flight requests');
    gateway
      .stop()
      .then(() => stopEmulator?.())
      .then(() => {
        removeDemoKeys?.();
        logger.info('shutdown complete');
        logger.flush?.();
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err: String(err) }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

async function check(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { demo: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return void process.stdout.write(`${HELP.check}\n`);
  const summary = await checkStartup(withDemoHost(loadConfig(), values.demo), { demo: values.demo });
  process.stdout.write(`OK: ${summary}\n`);
}

async function emulator(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { seed: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return void process.stdout.write(`${HELP.emulator}\n`);
  const config = loadConfig();
  const { createEmulator, emulatorConfigFromEnv } = await import('../emulator/index.ts');
  let emulatorConfig: ReturnType<typeof emulatorConfigFromEnv>;
  try {
    // The emulator's own switches (EMULATOR_SYNC_DELAY_MS, EMULATOR_FAULTS, …; docs/emulator.md).
    emulatorConfig = emulatorConfigFromEnv(process.env);
  } catch (err) {
    fail((err as Error).message);
  }
  const emu = createEmulator({ jobDelayMs: config.emulatorJobDelayMs, ...emulatorConfig.options });
  const url = await emu.listen(emulatorConfig.port, emulatorConfig.host);
  process.stdout.write(`SDRS emulator listening on ${url}\n`);
  if (values.seed) {
    const seeded = emu.seedDemo(config.demoProjectId);
    process.stdout.write(`seeded project ${config.demoProjectId}: protection group ${seeded.id}, pairs ${seeded.pairIds.join(', ')}\n`);
  }
  const stop = (): void => {
    emu.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function main(): Promise<void> {
  const [command = 'serve', ...rest] = process.argv.slice(2);
  try {
    switch (command) {
      case 'serve':
        return await serve(rest);
      case 'check':
        return await check(rest);
      case 'emulator':
        return await emulator(rest);
      case 'translate': {
        const { runTranslate } = await import('./translate.ts');
        process.exitCode = await runTranslate(rest);
        return;
      }
      case 'sign': {
        const { runSign } = await import('./sign.ts');
        process.exitCode = runSign(rest);
        return;
      }
      case 'usage': {
        const { runUsage } = await import('./usage.ts');
        process.exitCode = await runUsage(rest);
        return;
      }
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(`${HELP.main}\n`);
        return;
      case '--version':
        process.stdout.write(`${VERSION}\n`);
        return;
      default:
        if (command.startsWith('-')) return await serve([command, ...rest]);
        fail(`unknown command ${JSON.stringify(command)}\n\n${HELP.main}`);
    }
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    if ((err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') fail((err as Error).message);
    throw err;
  }
}

await main();
