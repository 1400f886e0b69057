// Envoy access records of a waypoint, gateway or sidecar, in Istio's default layouts
// (pilot/pkg/model/telemetry_logging.go `EnvoyTextLogFormat` and `EnvoyJSONLogFormatIstio`):
//   [START_TIME] "METHOD PATH PROTOCOL" CODE FLAGS CODE_DETAILS TERMINATION_DETAILS "TRANSPORT_FAILURE"
//   RECEIVED SENT DURATION UPSTREAM_TIME "XFF" "UA" "REQUEST_ID" "AUTHORITY" "UPSTREAM_HOST" CLUSTER
//   UPSTREAM_LOCAL DOWNSTREAM_LOCAL DOWNSTREAM_REMOTE SNI ROUTE
// Empty values are written as `-`.

const TOKEN = /"((?:[^"\\]|\\.)*)"|\[([^\]]*)\]|(\S+)/g;
import type { EnvoyAccessRecord } from '../snapshot/evidence.js';
import { jsonPart } from './ztunnel-logs.js';

const dash = (v: string | undefined) => (v === undefined || v === '-' ? '' : v);

/**
 * Where a text record starts inside a pasted line: `[<start time>] "`, after any paste prefix, or the request
 * line itself when the paste left the time out (istio/istio#45802).
 */
const TEXT_START = /\[\d{4}-\d\d-\d\dT[^\]\s]*\]\s+"|(?:^|\s)"(?:[A-Z]+ \S+ [A-Z]+\/[\d.]+|- - -)" \d{1,3} /;

export function startsEnvoyRecord(line: string): boolean {
  return TEXT_START.test(line) || line.includes('"response_code"');
}

function parseText(pasted: string, at: string): EnvoyAccessRecord | undefined {
  const start = pasted.search(TEXT_START);
  if (start < 0) return undefined;
  const found = pasted.slice(start).replace(/\s+\|\s*$/, '');
  // Without its start time the record is read as if it had an empty one.
  const line = found.trimStart().startsWith('"') ? `[] ${found.trimStart()}` : found;
  const t = [...line.matchAll(TOKEN)].map((m) => m[1] ?? m[2] ?? m[3]);
  // The start time, the request line, then 20 fields.
  if (t.length < 22 || !/^\d+$/.test(t[2])) return undefined;
  const [method, path] = t[1].split(' ');
  return {
    time: t[0] || undefined,
    method: dash(method) || undefined,
    path: dash(path) || undefined,
    responseCode: Number(t[2]),
    responseFlags: dash(t[3]),
    responseCodeDetails: dash(t[4]),
    terminationDetails: dash(t[5]),
    transportFailure: dash(t[6]),
    upstreamHost: dash(t[15]),
    upstreamCluster: dash(t[16]),
    downstreamLocal: dash(t[18]),
    downstreamRemote: dash(t[19]),
    at,
  };
}

function parseJson(line: string, at: string): EnvoyAccessRecord | undefined {
  let v: any;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object' || !('response_code' in v) || !('downstream_remote_address' in v)) return undefined;
  const s = (x: unknown) => dash(x === null || x === undefined ? undefined : String(x));
  return {
    time: s(v.start_time) || undefined,
    method: s(v.method) || undefined,
    path: s(v.path) || undefined,
    responseCode: Number(v.response_code) || 0,
    responseFlags: s(v.response_flags),
    responseCodeDetails: s(v.response_code_details),
    terminationDetails: s(v.connection_termination_details),
    transportFailure: s(v.upstream_transport_failure_reason),
    upstreamHost: s(v.upstream_host),
    upstreamCluster: s(v.upstream_cluster),
    downstreamLocal: s(v.downstream_local_address),
    downstreamRemote: s(v.downstream_remote_address),
    at,
  };
}

/** An Envoy access record, or undefined when the line is not one. */
export function parseEnvoyAccessLine(line: string, at: string): EnvoyAccessRecord | undefined {
  const json = jsonPart(line);
  return json !== undefined ? parseJson(json, at) : parseText(line, at);
}
