import { checkTemplate } from '../render/templates.js';
import { Command, Flags } from '@oclif/core';
import {
  commonFlags,
  emit,
  fail,
  loadSnapshot,
  nameLines,
  outputFlag,
  textOptions,
  type InputFlags,
} from '../cli/common.js';
import { checkNames } from '../render/names.js';
import { check } from '../diagnose/check/index.js';
import type { CheckReport } from '../diagnose/report.js';
import { quoted } from '../findings/command.js';
import { readFileSync } from 'node:fs';
import { renderCheckSarif, renderCheckText, type ObjectLine } from '../render/check.js';
import { objectLines } from '../input/positions.js';
import { renderJson } from '../render/structured.js';
import { EXIT_CANNOT_READ, EXIT_OK, EXIT_PREDICTED_FAILURE } from '../errors.js';

// A scan asks no question, so there is no symptom to compare with.
const { symptom: _symptom, ...scanFlags } = commonFlags;

/**
 * The explain command a finding suggests asks the same input as the scan: the same files, or the same
 * kubeconfig and context (pasted without them it would ask the current context, possibly production).
 */
function withInputFlags(report: CheckReport, flags: Omit<InputFlags, 'namespace'>): CheckReport {
  // The same input as the scan; never the token (a secret on the screen and in shell history).
  const values: [string, string | undefined][] = [
    ['--kubeconfig', flags.kubeconfig],
    ['--context', flags.context],
    ['--cluster', flags.cluster],
    ['--user', flags.user],
    ['--server', flags.server],
    ['--certificate-authority', flags['certificate-authority']],
    ['--client-certificate', flags['client-certificate']],
    ['--client-key', flags['client-key']],
    ['--tls-server-name', flags['tls-server-name']],
    ['--as', flags.as],
    ['--as-uid', flags['as-uid']],
  ];
  const words = flags.filename?.length
    ? flags.filename.flatMap((f) => ['-f', f])
    : [
        ...values.flatMap(([flag, value]) => (value ? [flag, value] : [])),
        ...(flags['as-group'] ?? []).flatMap((g) => ['--as-group', g]),
        ...(flags['insecure-skip-tls-verify'] ? ['--insecure-skip-tls-verify'] : []),
      ];
  if (words.length === 0) return report;
  const extra = quoted(words);
  return {
    ...report,
    findings: report.findings.map((f) => (f.explain ? { ...f, explain: `${f.explain} ${extra}` } : f)),
  };
}

/** Where objects start in the files read, each file read again only when a result names it. */
function fileLines(): ObjectLine {
  const byFile = new Map<string, Map<string, number>>();
  return (file, object) => {
    let lines = byFile.get(file);
    if (!lines) {
      try {
        lines = objectLines(readFileSync(file, 'utf8'));
      } catch {
        lines = new Map();
      }
      byFile.set(file, lines);
    }
    return lines.get(object);
  };
}

export default class Check extends Command {
  static override summary =
    'Scan the mesh for what is broken or about to break: dataplane, enrolment, waypoints, policies, probes';
  static override examples = [
    '<%= config.bin %> check -A',
    '<%= config.bin %> check -n hello -n test --fail-on warning',
    '<%= config.bin %> check -f manifests/ -o sarif > ambient.sarif',
    '<%= config.bin %> check -A --ignore AD814 --ignore AD403:hello/legacy-authz',
  ];
  static override flags = {
    ...scanFlags,
    namespace: Flags.string({
      char: 'n',
      multiple: true,
      multipleNonGreedy: true,
      description: 'namespace to scan (repeatable; default: all)',
    }),
    'all-namespaces': Flags.boolean({ char: 'A', description: 'scan every namespace (the default)' }),
    output: outputFlag(
      ['text', 'wide', 'json', 'yaml', 'sarif', 'name'],
      'output format (wide: the other objects, the explain command and the docs page of each finding; ' +
        'name: the object of each finding)',
    ),
    'fail-on': Flags.string({
      options: ['error', 'warning', 'none'],
      default: 'error',
      description: 'exit 3 when a finding of this severity or worse is reported',
    }),
    ignore: Flags.string({
      multiple: true,
      multipleNonGreedy: true,
      description: 'hide a finding code: CODE, CODE:NAMESPACE or CODE:NAMESPACE/NAME (repeatable, comma-separated)',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Check);
    try {
      await checkTemplate(flags.output, flags.template);
      const namespaces = flags['all-namespaces'] || !flags.namespace?.length ? 'all' : flags.namespace;
      const { snapshot } = await loadSnapshot({ ...flags, namespace: undefined }, () => ({
        kind: 'check',
        namespaces,
      }));
      const report = withInputFlags(check(snapshot, { namespaces, ignore: flags.ignore }), flags);
      await emit(flags, 'CheckReport', report, (safe) => renderCheckText(safe, textOptions(flags)), {
        sarif: () => renderJson(renderCheckSarif(report, fileLines())),
        name: (safe) => nameLines(checkNames(safe)),
      });
      const { errors, warnings } = report.summary;
      const failing =
        flags['fail-on'] === 'error' ? errors > 0 : flags['fail-on'] === 'warning' ? errors + warnings > 0 : false;
      // 2 when part of the cluster could not be read and nothing else failed: the scan is incomplete.
      process.exitCode = failing ? EXIT_PREDICTED_FAILURE : snapshot.gaps.length > 0 ? EXIT_CANNOT_READ : EXIT_OK;
    } catch (err) {
      process.exitCode = fail(err);
    }
  }
}
