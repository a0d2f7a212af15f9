// Stand-alone start-up: `node src/emulator/cli.ts`, or from the project CLI through
// startEmulatorFromEnv(). Reads the EMULATOR_* variables (see env.ts and docs/emulator.md).

import { createEmulator, emulatorConfigFromEnv, type Emulator } from './index.ts';

export interface StartedEmulator {
  emulator: Emulator;
  url: string;
  /** Set when EMULATOR_SEED_PROJECT asked for a demo group. */
  seeded?: { projectId: string; groupId: string; pairIds: string[] };
}

export async function startEmulatorFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<StartedEmulator> {
  const config = emulatorConfigFromEnv(env);
  const emulator = createEmulator(config.options);
  const url = await emulator.listen(config.port, config.host);
  const projectId = env['EMULATOR_SEED_PROJECT']?.trim();
  if (projectId) {
    const g = emulator.seedDemo(projectId);
    return { emulator, url, seeded: { projectId, groupId: g.id, pairIds: g.pairIds } };
  }
  return { emulator, url };
}

if (import.meta.main) {
  try {
    const started = await startEmulatorFromEnv();
    console.log(`SDRS emulator listening on ${started.url}`);
    if (started.seeded) console.log(`seeded demo group ${started.seeded.groupId} in project ${started.seeded.projectId}`);
    const stop = (): void => {
      void started.emulator.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (err) {
    console.error(`SDRS emulator failed to start: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
