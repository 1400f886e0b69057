// Flags and plumbing shared by the commands; the commands themselves stay thin.
import { Flags } from '@oclif/core';
import ora from 'ora';
import { didYouMean } from './nearest.js';
import { readManifestFiles } from '../input/files.js';
import { readText } from '../input/read-text.js';
import { buildSnapshot } from '../input/normalize.js';
import { DeadlineError, type ApiClient } from '../input/api.js';
import { evidenceTime, hasEvidence, mergeEvidence, readEvidenceFiles } from '../input/evidence.js';
import type { EvidencePod } from '../input/live-evidence.js';
import type { ClusterRead, ReadPlan } from '../input/cluster.js';
import type { Snapshot } from '../snapshot/types.js';
import {
  EXIT_CANNOT_READ,
  EXIT_OK,
  EXIT_PREDICTED_FAILURE,
  EXIT_USAGE,
  UsageError,
  UserFacingError,
} from '../errors.js';
import { renderJson, renderYaml } from '../render/structured.js';
import { makeStyle, useColor, type ColorMode, type Style } from '../render/style.js';
import { outputWidth } from '../render/layout.js';
import { visibleOnOneLine, withVisibleControls } from '../text/controls.js';
import type { TextOptions } from '../render/text.js';
import { renderTemplate, TEMPLATE_FORMATS, templateOutput } from '../render/templates.js';
import { asDocument, type Finding, type ReportKind, type Symptom, type Verdict } from '../diagnose/report.js';
import type { RuntimeEvidence } from '../snapshot/evidence.js';

export const SYMPTOMS = ['reset', 'refused', 'timeout', '503', '403', 'probe'] as const;
const SYMPTOM_MAP: Record<(typeof SYMPTOMS)[number], Symptom> = {
  reset: 'reset',
  refused: 'refused',
  timeout: 'timeout',
  '503': 'http-503',
  '403': 'http-403',
  probe: 'probe-failure',
};

// kubectl's global connection flags, with kubectl's meaning: each wins over the kubeconfig.
export const connectionFlags = {
  cluster: Flags.string({ description: 'kubeconfig cluster to use', helpGroup: 'CONNECTION' }),
  user: Flags.string({ description: 'kubeconfig user to use', helpGroup: 'CONNECTION' }),
  server: Flags.string({ char: 's', description: 'address of the Kubernetes API server', helpGroup: 'CONNECTION' }),
  token: Flags.string({ description: 'bearer token for the API server', helpGroup: 'CONNECTION' }),
  'certificate-authority': Flags.string({ description: 'CA certificate file', helpGroup: 'CONNECTION' }),
  'client-certificate': Flags.string({ description: 'client certificate file for TLS', helpGroup: 'CONNECTION' }),
  'client-key': Flags.string({ description: 'client key file for TLS', helpGroup: 'CONNECTION' }),
  'insecure-skip-tls-verify': Flags.boolean({
    description: "do not verify the server's certificate (insecure)",
    helpGroup: 'CONNECTION',
  }),
  'tls-server-name': Flags.string({
    description: 'server name to verify the certificate for',
    helpGroup: 'CONNECTION',
  }),
  as: Flags.string({ description: 'user to impersonate', helpGroup: 'CONNECTION' }),
  'as-group': Flags.string({
    multiple: true,
    description: 'group to impersonate (repeatable)',
    helpGroup: 'CONNECTION',
  }),
  'as-uid': Flags.string({ description: 'UID to impersonate', helpGroup: 'CONNECTION' }),
};

/**
 * -o: the command's own formats and kubectl's templates (jsonpath=…, go-template=…, their -file forms), checked
 * before anything is read, with kubectl's message. `values` is what completion offers.
 */
export function outputFlag(formats: string[], description: string, defaultFormat = 'text') {
  const known = [...formats, ...TEMPLATE_FORMATS];
  const flag = Flags.custom<string>({
    char: 'o',
    default: defaultFormat,
    description: `${description}; or jsonpath=TEMPLATE, go-template=TEMPLATE, as kubectl`,
    parse: async (input) => {
      const format = input.includes('=') ? input.slice(0, input.indexOf('=')) : input;
      const ok = formats.includes(input) || TEMPLATE_FORMATS.includes(format);
      if (!ok) {
        const guess = didYouMean(input, known);
        throw new UsageError(
          `unable to match a printer suitable for the output format "${input}"` +
            (guess ? `; did you mean ${guess}?` : `, allowed formats are: ${[...known].sort().join(',')}`),
        );
      }
      return input;
    },
  })();
  return Object.assign(flag, { values: [...formats, ...TEMPLATE_FORMATS.map((f) => `${f}=`)] });
}

// kubectl's template flags, with its defaults.
export const templateFlags = {
  template: Flags.string({
    description: 'template string or file, for -o jsonpath, go-template and their -file forms',
  }),
  'allow-missing-template-keys': Flags.boolean({
    default: true,
    allowNo: true,
    description: 'ignore a field or map key the template names and the report lacks (jsonpath, go-template)',
  }),
};

/** What emit needs of the flags: the output format and the template flags. */
export interface OutputFlags {
  output?: string;
  template?: string;
  'allow-missing-template-keys': boolean;
}

export const commonFlags = {
  // kubectl habit: -h is help.
  help: Flags.help({ char: 'h' }),
  filename: Flags.string({
    char: 'f',
    multiple: true,
    multipleNonGreedy: true,
    description: 'manifest file, directory, or - for stdin (repeatable)',
  }),
  output: outputFlag(
    ['text', 'wide', 'json', 'yaml', 'name'],
    'output format (wide: every hop and finding in full; name: the culprit)',
  ),
  ...templateFlags,
  namespace: Flags.string({ char: 'n', description: 'namespace for names without one' }),
  'all-namespaces': Flags.boolean({ char: 'A', description: 'accepted for kubectl compatibility' }),
  kubeconfig: Flags.string({ description: 'path to the kubeconfig file (live cluster)' }),
  context: Flags.string({ description: 'kubeconfig context (live cluster)' }),
  ...connectionFlags,
  'request-timeout': Flags.string({
    default: '30s',
    description: 'longest one API request may take, body included (e.g. 10s, 500ms, 1m; 0: no limit)',
  }),
  deadline: Flags.string({
    default: '2m',
    description: 'longest the whole cluster read may take (0: no limit)',
  }),
  'max-response-size': Flags.string({
    default: '128Mi',
    description: 'largest answer one API request may return (e.g. 64Mi, 1Gi); larger ones stop the read',
  }),
  verbose: Flags.boolean({ description: 'print each API request, its duration and size, on stderr' }),
  symptom: Flags.string({
    options: [...SYMPTOMS],
    description: 'what you observed; the report says what else could cause it',
  }),
  color: Flags.string({
    options: ['auto', 'always', 'never'],
    default: 'auto',
    description: 'colour in text output (NO_COLOR is honoured)',
  }),
};

export function observedSymptom(flag: string | undefined): Symptom | undefined {
  return flag ? SYMPTOM_MAP[flag as (typeof SYMPTOMS)[number]] : undefined;
}

export interface InputFlags {
  filename?: string[];
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
  server?: string;
  token?: string;
  'certificate-authority'?: string;
  'client-certificate'?: string;
  'client-key'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  as?: string;
  'as-group'?: string[];
  'as-uid'?: string;
  namespace?: string;
  'request-timeout'?: string;
  deadline?: string;
  'max-response-size'?: string;
  verbose?: boolean;
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/** A size as Kubernetes quantities write it (bytes, 500k, 64Mi, 1Gi). */
export function parseSize(value: string, flag: string): number {
  const m = value.match(/^(\d+(?:\.\d+)?)(k|M|G|Ki|Mi|Gi)?$/);
  const bytes = m ? Number(m[1]) * SIZE_UNITS[m[2] ?? ''] : NaN;
  if (!(bytes >= 1024)) throw new UsageError(`invalid ${flag} "${value}": use e.g. 64Mi, 1Gi (at least 1Ki)`);
  return Math.floor(bytes);
}

/** A duration flag in ms; 0 means no limit, as kubectl's --request-timeout 0 does. */
const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * A duration as kubectl reads one (Go's time.ParseDuration: `1m30s`, `1.5h`, `300ms`), in ms; a bare whole
 * number is seconds, as kubectl takes `--request-timeout=5`; 0 means no limit.
 */
export function parseTimeout(value: string | undefined, flag = '--request-timeout'): number {
  const text = value ?? '30s';
  const invalid = () =>
    new UsageError(`invalid ${flag} "${value}": use a duration such as 10s, 500ms, 1m30s or 2h, or 0 for no limit`);
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/^(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))*$/.test(text))
    throw invalid();
  let ms = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g))
    ms += Number(m[1]) * DURATION_UNITS[m[2]];
  return ms;
}

async function withSpinner<T>(text: string, work: () => Promise<T>): Promise<T> {
  // A terminal that reports no width (a pty without a size, as `script` makes) sends ora into an
  // endless loop of line clearing; no spinner there.
  const spinner =
    process.stderr.isTTY && (process.stderr.columns ?? 0) > 0
      ? ora({ stream: process.stderr, text }).start()
      : undefined;
  try {
    return await work();
  } finally {
    spinner?.stop();
  }
}

/** The live cluster, read for one plan: the objects, what RBAC hid, and the default namespace. */
export async function readCluster(
  flags: InputFlags,
  plan: (namespace: string) => ReadPlan,
): Promise<{ read: ClusterRead; namespace: string; api: ApiClient }> {
  // Loaded on demand: @kubernetes/client-node alone takes 0.6 s to import, which runs on -f
  // input and --help do not need.
  const [{ loadKubeConfig }, { ApiClient }, { ClusterReader, checkPlanNames }] = await Promise.all([
    import('../input/kubeconfig.js'),
    import('../input/api.js'),
    import('../input/cluster.js'),
  ]);
  const loaded = loadKubeConfig({
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    cluster: flags.cluster,
    user: flags.user,
    server: flags.server,
    token: flags.token,
    certificateAuthority: flags['certificate-authority'],
    clientCertificate: flags['client-certificate'],
    clientKey: flags['client-key'],
    insecureSkipTlsVerify: flags['insecure-skip-tls-verify'],
    tlsServerName: flags['tls-server-name'],
    as: flags.as,
    asGroups: flags['as-group'],
    asUid: flags['as-uid'],
  });
  const namespace = flags.namespace ?? loaded.namespace;
  const p = plan(namespace);
  checkPlanNames(p);
  const deadlineMs = parseTimeout(flags.deadline ?? '2m', '--deadline');
  const api = new ApiClient(loaded, {
    timeoutMs: parseTimeout(flags['request-timeout']),
    deadline: deadlineMs > 0 ? Date.now() + deadlineMs : undefined,
    maxResponseBytes: parseSize(flags['max-response-size'] ?? '128Mi', '--max-response-size'),
    log: flags.verbose ? (line) => process.stderr.write(`${visibleOnOneLine(line)}\n`) : undefined,
  });
  const reader = new ClusterReader(api);
  const read = await withSpinner(`reading cluster ${visibleOnOneLine(loaded.server)}`, () =>
    p.kind === 'explain'
      ? reader.readExplain(p)
      : p.kind === 'probes'
        ? reader.readProbes(p)
        : p.kind === 'check'
          ? reader.readCheck(p)
          : reader.readMatrix(p),
  );
  if (flags.verbose) process.stderr.write(`${api.requests} requests, ${api.bytes} bytes\n`);
  return { read, namespace, api };
}

/** Files when -f is given, otherwise the live cluster; both give the same Snapshot type. */
export async function loadSnapshot(
  flags: InputFlags,
  plan: (namespace: string) => ReadPlan,
): Promise<{ snapshot: Snapshot; namespace: string; api?: ApiClient }> {
  if (flags.filename && flags.filename.length > 0) {
    const files = flags.filename;
    const skipped: string[] = [];
    const objects = await withSpinner('reading manifests', async () =>
      readManifestFiles(files, () => readText(0), skipped),
    );
    for (const note of skipped) process.stderr.write(`note: skipped ${visibleOnOneLine(note)}\n`);
    return { snapshot: buildSnapshot(objects), namespace: flags.namespace ?? 'default' };
  }
  const { read, namespace, api } = await readCluster(flags, plan);
  return {
    snapshot: buildSnapshot(read.objects, 'cluster', read),
    namespace,
    api,
  };
}

export const fixFlag = {
  fix: Flags.integer({
    min: 1,
    description: "print only the manifests of fix N of the decisive finding, for 'kubectl apply -f -'",
  }),
};

/**
 * `--fix N`: alternative N of the decisive finding, whole. Manifests alone print as YAML for
 * `kubectl apply -f -`; with commands, as a POSIX shell script for `sh` (the manifests applied from a
 * here-document, then the commands), which kubectl refuses as YAML instead of applying half of it. An
 * alternative that only reads (checks) or a verdict with no fix is one line, exit 1.
 */
export function fixOutput(report: { verdict: Verdict; findings: Finding[] }, n: number): string {
  const decisive = report.findings[0];
  if (report.verdict.outcome === 'allowed') throw new UsageError('no fix to print: nothing stops the connection');
  if (!decisive || decisive.severity !== 'error' || !decisive.fixes?.length) {
    const what = decisive ? `${decisive.code} has no fix the tool can print` : 'no finding decides it';
    throw new UsageError(`no fix to print: the connection is ${report.verdict.outcome} but ${what}`);
  }
  const alt = decisive.fixes[n - 1];
  if (!alt) throw new UsageError(`${decisive.code} has ${decisive.fixes.length} fix(es); --fix ${n} does not exist`);
  const runs = alt.commands.filter((c) => !c.startsWith('#'));
  if (!alt.manifests && runs.length === 0) {
    const look = alt.checks.filter((c) => !c.startsWith('#'));
    throw new UsageError(
      `fix ${n} of ${decisive.code} changes nothing the tool can print (${alt.title})` +
        (look.length ? `; check with: ${look.join('; ')}` : ''),
    );
  }
  if (runs.length === 0) return `${alt.manifests}\n`;
  const lines = ['#!/bin/sh', `# ${decisive.code}, fix ${n}: ${visibleOnOneLine(alt.title)}`, 'set -e'];
  if (alt.manifests) {
    let end = 'EOF';
    while (alt.manifests.split('\n').includes(end)) end += '_';
    lines.push(`kubectl apply -f - <<'${end}'`, alt.manifests, end);
  }
  return `${[...lines, ...alt.commands].join('\n')}\n`;
}

export function exitCodeFor(verdict: Verdict): number {
  if (verdict.outcome === 'allowed') return EXIT_OK;
  if (verdict.outcome === 'unknown') return EXIT_CANNOT_READ;
  return EXIT_PREDICTED_FAILURE;
}

export function styleFor(color: string): Style {
  return makeStyle(useColor(color as ColorMode, process.stdout));
}

/** How text output looks: colour, the terminal's width, and whether -o wide asked for everything. */
export function textOptions(flags: { color: string; output?: string }): TextOptions {
  const out = process.stdout;
  return {
    style: styleFor(flags.color),
    width: outputWidth(out),
    wide: flags.output === 'wide',
    ...(out.isTTY && out.rows ? { height: out.rows } : {}),
  };
}

/**
 * The report on stdout: JSON and YAML escape what they carry; text, wide, name and template output get the
 * report with every control character of every value made visible (the one terminal boundary), and text
 * adds its own colours and links after that.
 */
export async function emit<R extends object>(
  flags: OutputFlags,
  kind: ReportKind,
  report: R,
  text: (safe: R) => string,
  other?: Record<string, (safe: R) => string>,
): Promise<void> {
  const output = flags.output ?? 'text';
  const template = templateOutput(output, flags.template);
  if (template) {
    const document = asDocument(kind, withVisibleControls(report));
    process.stdout.write(await renderTemplate(template, document, flags['allow-missing-template-keys']));
  } else if (output === 'json') process.stdout.write(renderJson(asDocument(kind, report)));
  else if (output === 'yaml') process.stdout.write(renderYaml(asDocument(kind, report)));
  else if (other?.[output]) process.stdout.write(other[output](withVisibleControls(report)));
  else process.stdout.write(`${text(withVisibleControls(report)).trimEnd()}\n`);
}

/** -o name: one `kind.group/name` per line. */
export const nameLines = (names: string[]) => names.map((n) => `${n}\n`).join('');

/** The one line an error prints: its first line, control characters made visible. */
export function errorLine(err: unknown): string {
  const message =
    err instanceof UserFacingError ? err.message : err instanceof Error ? err.message.split('\n')[0] : String(err);
  return `error: ${visibleOnOneLine(message)}`;
}

/** One clear line on stderr and the documented exit code; never a stack trace. */
export function fail(err: unknown): number {
  process.stderr.write(`${errorLine(err)}\n`);
  if (err instanceof UserFacingError) {
    // Work given up on (an exec plugin that never exits) must not keep the process alive.
    if (err instanceof DeadlineError) setTimeout(() => process.exit(err.exitCode), 100).unref();
    return err.exitCode;
  }
  return EXIT_USAGE;
}

export const evidenceFlags = {
  logs: Flags.string({
    multiple: true,
    multipleNonGreedy: true,
    description:
      'ztunnel, waypoint or sidecar log file (kubectl logs output, text or JSON) to show beside the prediction',
  }),
  'config-dump': Flags.string({
    multiple: true,
    multipleNonGreedy: true,
    description: "ztunnel config dump file (its admin port's /config_dump) to compare with the input",
  }),
  evidence: Flags.boolean({
    default: true,
    allowNo: true,
    description: 'live: read the recent logs of the ztunnels and waypoints on the path (--no-evidence: config only)',
  }),
  since: Flags.string({ default: '5m', description: 'live evidence: only log lines newer than this' }),
  'log-lines': Flags.integer({ default: 2000, min: 1, description: 'live evidence: at most this many lines per pod' }),
  at: Flags.string({
    description:
      'judge the evidence as of this RFC 3339 time (default: the time of a live read, else the newest log record)',
  }),
  'ztunnel-admin': Flags.boolean({
    default: false,
    description: "live: also read ztunnel's config dump through a port-forward (needs create on pods/portforward)",
  }),
};

interface EvidenceFlagValues {
  logs?: string[];
  'config-dump'?: string[];
  evidence: boolean;
  since: string;
  'log-lines': number;
  at?: string;
  'ztunnel-admin': boolean;
  verbose?: boolean;
}

/** When the evidence is judged (issue 29): `--at`, else the evidence's own time (input/evidence.ts). */
export function evidenceJudgedAt(flags: { at?: string }, evidence: RuntimeEvidence): string {
  if (flags.at !== undefined && Number.isNaN(Date.parse(flags.at)))
    throw new UsageError(`--at ${JSON.stringify(flags.at)}: not an RFC 3339 time (e.g. 2026-12-07T10:00:00Z)`);
  return evidenceTime(evidence, flags.at && new Date(flags.at).toISOString()).time;
}

/**
 * The runtime evidence for one connection: the files given, what a dump carried, and, live and
 * unless --no-evidence, the logs (and with --ztunnel-admin the config dumps) of the proxies on the path.
 */
export async function gatherEvidence(
  flags: EvidenceFlagValues,
  snapshot: Snapshot,
  api: ApiClient | undefined,
  pods: () => { pods: EvidencePod[]; gaps: string[] },
): Promise<RuntimeEvidence | undefined> {
  const files =
    flags.logs?.length || flags['config-dump']?.length
      ? readEvidenceFiles(flags.logs, flags['config-dump'])
      : undefined;
  let live: RuntimeEvidence | undefined;
  if (api && flags.evidence) {
    const sinceMs = parseTimeout(flags.since, '--since');
    const { readLiveEvidence } = await import('../input/live-evidence.js');
    const wanted = pods();
    const before = { requests: api.requests, bytes: api.bytes };
    live = await withSpinner('reading ztunnel and waypoint logs', () =>
      readLiveEvidence(api, wanted.pods, {
        sinceSeconds: Math.max(1, Math.ceil(sinceMs / 1000)),
        lineCap: flags['log-lines'],
        ztunnelAdmin: flags['ztunnel-admin'],
      }),
    );
    live.gaps = [...wanted.gaps, ...live.gaps];
    live.readAt = new Date().toISOString();
    if (flags.verbose)
      process.stderr.write(
        `evidence: ${api.requests - before.requests} more requests, ${api.bytes - before.bytes} bytes ` +
          `(${wanted.pods.length} pods)\n`,
      );
  }
  const parts = [snapshot.evidence, files, live].filter((e) => hasEvidence(e));
  return parts.length ? mergeEvidence(...parts) : undefined;
}
