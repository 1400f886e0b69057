// Issue 16, live: the recent logs of the ztunnels and waypoints on the path (`get pods/log`, on by
// default) and, only with --ztunnel-admin, ztunnel's config dump through a port-forward to its admin
// port 15000 (`create pods/portforward`, which RBAC reviews count as a write verb; docs/rbac.md).
// Nothing here fails the run: what cannot be read is a gap, and the verdict stays the configuration's.
import { PassThrough, Writable } from 'node:stream';
import type { PodFact } from '../snapshot/types.js';
import { ApiError, type ApiClient } from './api.js';
import { addLogText, emptyEvidence, evidenceObject, type EvidenceObject, type RuntimeEvidence } from './evidence.js';
import { parseZtunnelConfigDump } from './ztunnel-config-dump.js';

export interface LiveEvidenceOptions {
  /** Only lines newer than this (kubectl logs --since). */
  sinceSeconds: number;
  /** At most this many lines per pod, the newest (kubectl logs --tail). */
  lineCap: number;
  /** Read ztunnel's config dump through a port-forward (opt-in). */
  ztunnelAdmin: boolean;
  /** Each port-forward's whole duration. */
  timeoutMs?: number;
}

export interface EvidencePod {
  pod: PodFact;
  role: 'ztunnel' | 'waypoint';
}

const ADMIN_PORT = 15000;
/** Bytes per pod: a line cap of long JSON lines must not fill memory. */
const BYTES_PER_LINE = 4096;

const name = (p: PodFact) => `${p.meta.namespace}/${p.meta.name}`;

function proxyContainer(pod: PodFact): string | undefined {
  return (pod.containers.find((c) => c.name === 'istio-proxy') ?? pod.containers[0])?.name;
}

function why(err: unknown): string {
  if (err instanceof ApiError) return err.status === 403 ? `forbidden (${err.detail.split('\n')[0]})` : err.message;
  return (err as Error).message?.split('\n')[0] ?? String(err);
}

interface RawEvidence {
  logs?: string;
  configDump?: string;
  gaps: string[];
}

/** One proxy's logs (and ztunnel's config dump when asked), as text; failures are gaps. */
async function readRaw(api: ApiClient, e: EvidencePod, o: LiveEvidenceOptions): Promise<RawEvidence> {
  const { pod } = e;
  const out: RawEvidence = { gaps: [] };
  try {
    out.logs = await api.getText(`/api/v1/namespaces/${pod.meta.namespace}/pods/${pod.meta.name}/log`, {
      container: proxyContainer(pod),
      sinceSeconds: o.sinceSeconds,
      tailLines: o.lineCap,
      limitBytes: o.lineCap * BYTES_PER_LINE,
    });
  } catch (err) {
    out.gaps.push(`the logs of ${e.role} ${name(pod)}: get pods/log ${why(err)}`);
  }
  if (o.ztunnelAdmin && e.role === 'ztunnel') {
    try {
      out.configDump = await fetchConfigDump(api, pod, o.timeoutMs ?? 10_000);
    } catch (err) {
      out.gaps.push(`the config dump of ztunnel ${name(pod)}: port-forward to ${ADMIN_PORT} ${why(err)}`);
    }
  }
  return out;
}

/** GET /config_dump over a port-forward: one HTTP/1.0 request, read until Content-Length is in. */
async function fetchConfigDump(api: ApiClient, pod: PodFact, timeoutMs: number): Promise<string> {
  const { PortForward } = await import('@kubernetes/client-node');
  const chunks: Buffer[] = [];
  const errors: Buffer[] = [];
  const input = new PassThrough();
  let ws: { close(): void } | undefined;
  return new Promise<string>((resolve, reject) => {
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ws?.close();
      if (err) return reject(err);
      const raw = Buffer.concat(chunks);
      const head = raw.indexOf('\r\n\r\n');
      const status = raw.subarray(0, raw.indexOf('\r\n')).toString();
      if (head < 0 || !/^HTTP\/1\.[01] 200/.test(status))
        return reject(new Error(`the admin port answered ${status || 'nothing'}`));
      resolve(raw.subarray(head + 4).toString('utf8'));
    };
    const complete = () => {
      const raw = Buffer.concat(chunks);
      const head = raw.indexOf('\r\n\r\n');
      if (head < 0) return false;
      const length = raw
        .subarray(0, head)
        .toString()
        .match(/content-length:\s*(\d+)/i)?.[1];
      return length !== undefined && raw.length - head - 4 >= Number(length);
    };
    const timer = setTimeout(() => finish(new Error(`port-forward timed out after ${timeoutMs / 1000} s`)), timeoutMs);
    const output = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        if (complete()) finish();
        cb();
      },
    });
    const errStream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        // The error channel's first frame holds only the port number, which PortForward strips.
        if (chunk.length === 0) return cb();
        errors.push(chunk);
        finish(new Error(Buffer.concat(errors).toString().trim() || 'port-forward error'));
        cb();
      },
    });
    new PortForward(api.kubeConfig, true)
      .portForward(pod.meta.namespace, pod.meta.name, [ADMIN_PORT], output, errStream, input)
      .then((socket) => {
        ws = typeof socket === 'function' ? (socket() ?? undefined) : socket;
        (ws as any)?.on?.('close', () => (complete() ? finish() : finish(new Error('the port-forward closed early'))));
        input.write('GET /config_dump HTTP/1.0\r\nHost: localhost\r\nAccept: application/json\r\n\r\n');
      })
      .catch((err: Error) => finish(new Error(/\b403\b/.test(err.message) ? 'forbidden' : err.message)));
  });
}

export async function readLiveEvidence(
  api: ApiClient,
  pods: EvidencePod[],
  options: LiveEvidenceOptions,
): Promise<RuntimeEvidence> {
  const raws = await Promise.all(pods.map((e) => readRaw(api, e, options)));
  const evidence = emptyEvidence();
  // In the order asked, whatever order the reads finished in.
  raws.forEach((raw, i) => {
    const { pod } = pods[i];
    const image = pod.containers.find((c) => c.name === proxyContainer(pod))?.image;
    if (raw.logs !== undefined)
      addLogText(evidence, raw.logs, { origin: name(pod), pod: name(pod), node: pod.nodeName, image });
    if (raw.configDump !== undefined) {
      try {
        evidence.configDumps.push(parseZtunnelConfigDump(raw.configDump, name(pod), pod.nodeName));
      } catch (err) {
        raw.gaps.push((err as Error).message);
      }
    }
    evidence.gaps.push(...raw.gaps);
  });
  return evidence;
}

/** `dump --with-logs`: one RuntimeEvidence object per proxy, read back by -f as the same evidence. */
export async function readEvidenceObjects(
  api: ApiClient,
  pods: EvidencePod[],
  gaps: string[],
  options: LiveEvidenceOptions,
): Promise<EvidenceObject[]> {
  const raws = await Promise.all(pods.map((e) => readRaw(api, e, options)));
  return raws.map((raw, i) => {
    const { pod } = pods[i];
    const image = pod.containers.find((c) => c.name === proxyContainer(pod))?.image;
    return evidenceObject(
      { namespace: pod.meta.namespace, name: pod.meta.name, node: pod.nodeName, image },
      { ...raw, gaps: [...(i === 0 ? gaps : []), ...raw.gaps] },
    );
  });
}
