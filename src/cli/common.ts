// Flags and plumbing shared by the commands; the commands themselves stay thin.
import { readFileSync } from 'node:fs';
import { Flags } from '@oclif/core';
import ora from 'ora';
import { readManifestFiles } from '../input/files.js';
import { buildSnapshot } from '../input/normalize.js';
import type { Snapshot } from '../snapshot/types.js';
import { EXIT_CANNOT_READ, EXIT_OK, EXIT_PREDICTED_FAILURE, EXIT_USAGE, UsageError, UserFacingError } from '../errors.js';
import { renderJson, renderYaml } from '../render/structured.js';
import { makeStyle, useColor, type ColorMode, type Style } from '../render/style.js';
import type { Verdict } from '../diagnose/verdict.js';
import type { Symptom } from '../diagnose/evaluate.js';

export const SYMPTOMS = ['reset', 'refused', 'timeout', '503', '403', 'probe'] as const;
const SYMPTOM_MAP: Record<(typeof SYMPTOMS)[number], Symptom> = {
  reset: 'reset',
  refused: 'refused',
  timeout: 'timeout',
  '503': 'http-503',
  '403': 'http-403',
  probe: 'probe-failure',
};

export const commonFlags = {
  filename: Flags.string({ char: 'f', multiple: true, description: 'manifest file, directory, or - for stdin (repeatable)' }),
  output: Flags.string({ char: 'o', options: ['text', 'json', 'yaml'], default: 'text', description: 'output format' }),
  namespace: Flags.string({ char: 'n', description: 'namespace for names without one' }),
  'all-namespaces': Flags.boolean({ char: 'A', description: 'accepted for kubectl compatibility' }),
  kubeconfig: Flags.string({ description: 'path to the kubeconfig file (live cluster)' }),
  context: Flags.string({ description: 'kubeconfig context (live cluster)' }),
  'request-timeout': Flags.string({ description: 'live cluster request timeout, e.g. 10s' }),
  symptom: Flags.string({ options: [...SYMPTOMS], description: 'what you observed; the report says what else could cause it' }),
  color: Flags.string({ options: ['auto', 'always', 'never'], default: 'auto', description: 'colour in text output (NO_COLOR is honoured)' }),
};

export function observedSymptom(flag: string | undefined): Symptom | undefined {
  return flag ? SYMPTOM_MAP[flag as (typeof SYMPTOMS)[number]] : undefined;
}

export function loadSnapshot(files: string[] | undefined): Snapshot {
  if (!files || files.length === 0) {
    throw new UsageError('no input: pass manifests with -f FILE|DIR|- (reading a live cluster is not available in this version)');
  }
  const spinner = process.stderr.isTTY ? ora({ stream: process.stderr, text: 'reading manifests' }).start() : undefined;
  try {
    return buildSnapshot(readManifestFiles(files, () => readFileSync(0, 'utf8')));
  } finally {
    spinner?.stop();
  }
}

export function exitCodeFor(verdict: Verdict): number {
  if (verdict.outcome === 'allowed') return EXIT_OK;
  if (verdict.outcome === 'unknown') return EXIT_CANNOT_READ;
  return EXIT_PREDICTED_FAILURE;
}

export function styleFor(color: string): Style {
  return makeStyle(useColor(color as ColorMode, process.stdout));
}

export function emit(output: string, report: unknown, text: () => string): void {
  if (output === 'json') process.stdout.write(renderJson(report));
  else if (output === 'yaml') process.stdout.write(renderYaml(report));
  else process.stdout.write(`${text().trimEnd()}\n`);
}

/** One clear line on stderr and the documented exit code; never a stack trace. */
export function fail(err: unknown): number {
  if (err instanceof UserFacingError) {
    process.stderr.write(`error: ${err.message}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  process.stderr.write(`error: ${message}\n`);
  return EXIT_USAGE;
}
