// Issue 16, live: the recent logs of the ztunnels and waypoints on the path (`get pods/log`, on by
// default) and, only with --ztunnel-admin, ztunnel's config dump through a port-forward to its admin
// port 15000 (`create pods/portforward`, which RBAC reviews count as a write verb; docs/rbac.md).
// Nothing here fails the run: what cannot be read is a gap, and the verdict stays the configuration's.
import { PassThrough, Writable } from 'node:stream';
import type { PodFact } from '../snapshot/types.js';
import { ApiError, mebibytes, type ApiClient } from './api.js';
import { addLogText, emptyEvidence, evidenceObject, type EvidenceObject } from './evidence.js';
import { parseZtunnelConfigDump } from './ztunnel-config-dump.js';
import { appendAll } from '../arrays.js';
import type { RuntimeEvidence } from '../snapshot/evidence.js';

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
    const limitBytes = o.lineCap * BYTES_PER_LINE;
    const read = await api.getText(
      `/api/v1/namespaces/${pod.meta.namespace}/pods/${pod.meta.name}/log`,
      { container: proxyContainer(pod), sinceSeconds: o.sinceSeconds, tailLines: o.lineCap, limitBytes },
      limitBytes,
    );
    out.logs = read.text;
    // The server ignored limitBytes (or the log never ends): what came first is kept, the rest is a gap.
    if (read.cut) out.gaps.push(`the logs of ${e.role} ${name(pod)}: cut at ${mebibytes(limitBytes)} (--log-lines)`);
  } catch (err) {
    out.gaps.push(`the logs of ${e.role} ${name(pod)}: get pods/log ${why(err)}`);
  }
  if (o.ztunnelAdmin && e.role === 'ztunnel') {
    try {
      out.configDump = await fetchConfigDump(api, pod, Math.min(o.timeoutMs ?? 10_000, api.limitMs()));
    } catch (err) {
      out.gaps.push(`the config dump of ztunnel ${name(pod)}: port-forward to ${ADMIN_PORT} ${why(err)}`);
    }
  }
  return out;
}

/** The largest config dump read (a big cluster's dump is a few MiB). */
export const MAX_CONFIG_DUMP_BYTES = 64 * 1024 * 1024;

/**
 * An HTTP/1.0 answer read as it arrives, in frames of any size: the head is parsed once, the body
 * counted, never copied until it is whole.
 */
export class HttpAnswerReader {
  private readonly chunks: Buffer[] = [];
  private received = 0;
  private headLength = -1;
  private status = '';
  private contentLength?: number;

  constructor(private readonly maxBytes: number) {}

  /** Takes one frame; true once the answer is complete. Throws when it exceeds the limit. */
  push(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    this.received += chunk.length;
    if (this.received > this.maxBytes) throw new Error(`the answer is larger than ${mebibytes(this.maxBytes)}`);
    if (this.headLength < 0) this.readHead();
    return this.complete();
  }

  complete(): boolean {
    return (
      this.headLength >= 0 && this.contentLength !== undefined && this.received - this.headLength >= this.contentLength
    );
  }

  /** The body of a 200 answer; an error for any other. */
  body(): string {
    if (this.headLength < 0 || !/^HTTP\/1\.[01] 200/.test(this.status))
      throw new Error(`the admin port answered ${this.status || 'nothing'}`);
    return Buffer.concat(this.chunks).subarray(this.headLength).toString('utf8');
  }

  private readHead(): void {
    // The head is small: look for its end only in the first frames, at most 64 KiB.
    const start = Buffer.concat(this.chunks).subarray(0, 64 * 1024);
    const end = start.indexOf('\r\n\r\n');
    if (end < 0) {
      if (start.length >= 64 * 1024) throw new Error('the admin port answered with no HTTP head');
      return;
    }
    const head = start.subarray(0, end).toString('latin1');
    this.status = head.split('\r\n')[0];
    const length = head.match(/content-length:\s*(\d+)/i)?.[1];
    this.contentLength = length === undefined ? undefined : Number(length);
    this.headLength = end + 4;
    this.chunks.splice(0, this.chunks.length, Buffer.concat(this.chunks));
  }
}

/** GET /config_dump over a port-forward: one HTTP/1.0 request, read until Content-Length is in. */
async function fetchConfigDump(api: ApiClient, pod: PodFact, timeoutMs: number): Promise<string> {
  const { PortForward } = await import('@kubernetes/client-node');
  const errors: Buffer[] = [];
  const input = new PassThrough();
  const answer = new HttpAnswerReader(MAX_CONFIG_DUMP_BYTES);
  let ws: { close(): void } | undefined;
  return new Promise<string>((resolve, reject) => {
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ws?.close();
      input.end();
      if (err) return reject(err);
      try {
        resolve(answer.body());
      } catch (bad) {
        reject(bad as Error);
      }
    };
    const timer = setTimeout(
      () => finish(new Error(`port-forward timed out after ${Math.max(0, timeoutMs) / 1000} s`)),
      Math.max(0, timeoutMs),
    );
    const output = new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (!done) {
          try {
            if (answer.push(chunk)) finish();
          } catch (err) {
            finish(err as Error);
          }
        }
        cb();
      },
    });
    const errStream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        // The error channel's first frame holds only the port number, which PortForward strips.
        if (chunk.length === 0) return cb();
        if (errors.length < 16) errors.push(chunk.subarray(0, 4096));
        finish(new Error(Buffer.concat(errors).toString().trim() || 'port-forward error'));
        cb();
      },
    });
    new PortForward(api.kubeConfig, true)
      .portForward(pod.meta.namespace, pod.meta.name, [ADMIN_PORT], output, errStream, input)
      .then((socket) => {
        ws = typeof socket === 'function' ? (socket() ?? undefined) : socket;
        // Given up on before the socket opened (timeout, deadline): close it now, or it keeps the process alive.
        if (done) return ws?.close();
        (ws as any)?.on?.('close', () =>
          answer.complete() ? finish() : finish(new Error('the port-forward closed early')),
        );
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
    appendAll(evidence.gaps, raw.gaps);
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
