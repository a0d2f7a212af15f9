#!/usr/bin/env node
// Entry point: applies the gateway's runtime settings (V8 and malloc sizing, compile cache;
// docs/memory.md) before anything else is loaded, then runs the CLI (src/cli/commands.ts). The CLI
// is imported dynamically: a static import would be parsed and compiled before the settings apply.
import { applyRuntimeSettings } from './runtime-settings.ts';

applyRuntimeSettings();
await import('./cli/commands.ts');
