// The user's words for a source or destination ("test/deploy/curl", "helloworld.hello:5000",
// "http://host/path"), split into parts. Shared by the live reader (what to read) and by
// resolve (what the parts mean in a snapshot).
import ipaddr from 'ipaddr.js';
import { UsageError } from './errors.js';

const KIND_ALIASES: Record<string, string> = {
  po: 'Pod',
  pod: 'Pod',
  pods: 'Pod',
  deploy: 'Deployment',
  deployment: 'Deployment',
  deployments: 'Deployment',
  sts: 'StatefulSet',
  statefulset: 'StatefulSet',
  statefulsets: 'StatefulSet',
  ds: 'DaemonSet',
  daemonset: 'DaemonSet',
  daemonsets: 'DaemonSet',
  rs: 'ReplicaSet',
  replicaset: 'ReplicaSet',
  replicasets: 'ReplicaSet',
  job: 'Job',
  jobs: 'Job',
  svc: 'Service',
  service: 'Service',
  services: 'Service',
};

/** `NS/NAME`, `NS/KIND/NAME`, kubectl's `TYPE/NAME` or `NAME` (the last two in the default namespace). */
/** DNS-1123 subdomain (object names) and label (namespaces), as the API server validates them. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A name or namespace from the command line: one clear line when the API server could not hold it. */
export function checkName(value: string, what: 'name' | 'namespace', ref: string): string {
  const ok =
    what === 'namespace'
      ? DNS_LABEL.test(value) && value.length <= 63
      : DNS_SUBDOMAIN.test(value) && value.length <= 253;
  if (!ok) {
    throw new UsageError(
      `"${value}" in "${ref}" is not a valid Kubernetes ${what} (lower-case letters, digits, '-'` +
        `${what === 'name' ? ", '.' between them" : ''})`,
    );
  }
  return value;
}

export function splitRef(ref: string, defaultNamespace: string): { ns: string; kind: string; name: string } {
  const { ns, kind, name } = splitRefUnchecked(ref, defaultNamespace);
  return { ns: checkName(ns, 'namespace', ref), kind, name: checkName(name, 'name', ref) };
}

function splitRefUnchecked(ref: string, defaultNamespace: string): { ns: string; kind: string; name: string } {
  const parts = ref.split('/');
  if (parts.length === 1) return { ns: defaultNamespace, kind: 'Pod', name: parts[0] };
  // kubectl's TYPE/NAME (pod/curl, svc/helloworld, deploy/web) in the -n namespace; else NS/POD.
  if (parts.length === 2 && KIND_ALIASES[parts[0].toLowerCase()]) {
    return { ns: defaultNamespace, kind: KIND_ALIASES[parts[0].toLowerCase()], name: parts[1] };
  }
  if (parts.length === 2) return { ns: parts[0], kind: 'Pod', name: parts[1] };
  if (parts.length === 3) {
    const kind = KIND_ALIASES[parts[1].toLowerCase()];
    if (!kind) throw new UsageError(`unknown kind "${parts[1]}" in "${ref}"; use pod, deploy, sts, ds, rs, job or svc`);
    return { ns: parts[0], kind, name: parts[2] };
  }
  throw new UsageError(`cannot parse "${ref}": expected NAMESPACE/POD or NAMESPACE/KIND/NAME`);
}

export interface HostPort {
  host: string;
  port?: string;
  path?: string;
  scheme?: 'http' | 'https';
}

export function splitHostPort(input: string, portFlag: string | undefined): HostPort {
  let rest = input;
  let path: string | undefined;
  let scheme: HostPort['scheme'];
  const url = input.match(/^(https?):\/\/([^/]+)(\/.*)?$/i);
  if (url) {
    scheme = url[1].toLowerCase() as 'http' | 'https';
    rest = url[2];
    path = url[3] ?? '/';
  }
  let host = rest;
  let port: string | undefined;
  const v6 = rest.match(/^\[([^\]]+)\](?::(\w+))?$/);
  if (v6) {
    host = v6[1];
    port = v6[2];
  } else if (rest.includes(':') && rest.split(':').length === 2) {
    [host, port] = rest.split(':');
  } else if (ipaddr.IPv6.isValid(rest)) {
    host = rest;
  }
  if (portFlag !== undefined) port = portFlag;
  if (port === undefined && scheme) port = scheme === 'https' ? '443' : '80';
  if (port !== undefined && port === '') throw new UsageError(`missing port in "${input}"`);
  return { host, port, path, scheme };
}
