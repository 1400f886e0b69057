// Runtime evidence (issue 16): what the dataplane itself recorded, beside the configuration. It comes
// from files (`--logs`, `--config-dump`, a dump made with `--with-logs`) or from the live cluster
// (pods/log, and with `--ztunnel-admin` ztunnel's config dump through a port-forward); both give
// this one type, which the diagnosis reads.
import { readText } from './read-text.js';
import { InputError } from '../errors.js';
import { parseZtunnelLine, stripLogPrefix } from './ztunnel-logs.js';
import { parseEnvoyAccessLine } from './envoy-access-log.js';
import { parseZtunnelConfigDump } from './ztunnel-config-dump.js';
import { appendAll } from '../arrays.js';
import type { ZtunnelLogRecord, EnvoyAccessRecord, EvidenceSource, RuntimeEvidence } from '../snapshot/evidence.js';

export function emptyEvidence(): RuntimeEvidence {
  return { ztunnelLogs: [], proxyLogs: [], configDumps: [], sources: [], gaps: [] };
}

export function hasEvidence(e: RuntimeEvidence | undefined): e is RuntimeEvidence {
  return !!e && e.ztunnelLogs.length + e.proxyLogs.length + e.configDumps.length + e.gaps.length > 0;
}

/** The ztunnel and Envoy records of one log text; other lines are counted. */
export function parseLogText(
  text: string,
  origin: string,
): { ztunnel: ZtunnelLogRecord[]; envoy: EnvoyAccessRecord[]; skipped: number } {
  const ztunnel: ZtunnelLogRecord[] = [];
  const envoy: EnvoyAccessRecord[] = [];
  let skipped = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = stripLogPrefix(raw);
    if (!line.trim()) return;
    const at = `${origin}:${i + 1}`;
    const z = parseZtunnelLine(line, at);
    if (z) return void ztunnel.push(z);
    const e = parseEnvoyAccessLine(line, at);
    if (e) return void envoy.push(e);
    skipped++;
  });
  return { ztunnel, envoy, skipped };
}

/** Adds one log text (a file or a pod's logs) to the evidence. */
export function addLogText(into: RuntimeEvidence, text: string, source: Omit<EvidenceSource, 'lines'>): number {
  const { ztunnel, envoy } = parseLogText(text, source.origin);
  appendAll(into.ztunnelLogs, ztunnel);
  appendAll(into.proxyLogs, envoy);
  into.sources.push({ ...source, lines: ztunnel.length + envoy.length });
  return ztunnel.length + envoy.length;
}

/**
 * `--logs` and `--config-dump` files. A log file without one ztunnel or Envoy record, or a dump
 * that is not ztunnel's, is an input error (exit 2) naming the file.
 */
export function readEvidenceFiles(logs: string[] = [], dumps: string[] = []): RuntimeEvidence {
  const evidence = emptyEvidence();
  for (const file of logs) {
    const text = readText(file);
    if (addLogText(evidence, text, { origin: file }) === 0 && text.trim())
      throw new InputError(`${file} holds no ztunnel or Envoy access log lines`);
  }
  for (const file of dumps) {
    const view = parseZtunnelConfigDump(readText(file), file);
    evidence.configDumps.push(view);
    evidence.sources.push({ origin: file, node: view.node, lines: 0 });
  }
  return evidence;
}

export function mergeEvidence(...parts: (RuntimeEvidence | undefined)[]): RuntimeEvidence {
  const out = emptyEvidence();
  for (const p of parts) {
    if (!p) continue;
    appendAll(out.ztunnelLogs, p.ztunnelLogs);
    appendAll(out.proxyLogs, p.proxyLogs);
    appendAll(out.configDumps, p.configDumps);
    appendAll(out.sources, p.sources);
    appendAll(out.gaps, p.gaps);
  }
  return out;
}

// A dump made with `--with-logs` carries each proxy's records as one object of this kind, so a ticket
// holds everything and `-f` reads it back into the same evidence.
export const EVIDENCE_GROUP = 'ambient-doctor.io/';
export const EVIDENCE_KIND = 'RuntimeEvidence';
export const EVIDENCE_API_VERSION = 'ambient-doctor.io/v1alpha1';

export interface EvidenceObject {
  apiVersion: typeof EVIDENCE_API_VERSION;
  kind: typeof EVIDENCE_KIND;
  metadata: { name: string; namespace: string };
  spec: { node?: string; image?: string; logs?: string; configDump?: string; gaps?: string[] };
}

/** One dump object per proxy read live. */
export function evidenceObject(
  pod: { namespace: string; name: string; node?: string; image?: string },
  parts: { logs?: string; configDump?: string; gaps?: string[] },
): EvidenceObject {
  return {
    apiVersion: EVIDENCE_API_VERSION,
    kind: EVIDENCE_KIND,
    metadata: { name: pod.name, namespace: pod.namespace },
    spec: {
      ...(pod.node ? { node: pod.node } : {}),
      ...(pod.image ? { image: pod.image } : {}),
      ...(parts.logs !== undefined ? { logs: parts.logs } : {}),
      ...(parts.configDump !== undefined ? { configDump: parts.configDump } : {}),
      ...(parts.gaps?.length ? { gaps: parts.gaps } : {}),
    },
  };
}

/** Reads an evidence object of a dump into the evidence; a malformed one is an input error. */
export function addEvidenceObject(into: RuntimeEvidence, obj: any, origin: string): void {
  const spec = obj?.spec;
  const pod = `${obj?.metadata?.namespace ?? ''}/${obj?.metadata?.name ?? ''}`;
  if (!spec || typeof spec !== 'object') throw new InputError(`${origin}: ${EVIDENCE_KIND} ${pod} has no spec`);
  const node = typeof spec.node === 'string' ? spec.node : undefined;
  const image = typeof spec.image === 'string' ? spec.image : undefined;
  if (typeof spec.logs === 'string') addLogText(into, spec.logs, { origin: `${pod} in ${origin}`, pod, node, image });
  if (typeof spec.configDump === 'string')
    into.configDumps.push(parseZtunnelConfigDump(spec.configDump, `${pod} in ${origin}`, node));
  if (Array.isArray(spec.gaps))
    appendAll(
      into.gaps,
      spec.gaps.filter((g: unknown) => typeof g === 'string'),
    );
}
