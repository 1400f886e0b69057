// The proxy kubectl uses for a server when the kubeconfig names none: Go's http.ProxyFromEnvironment
// (golang.org/x/net/http/httpproxy): HTTPS_PROXY for https servers and HTTP_PROXY for http ones (upper case
// first, then lower), never for localhost or a loopback address, and not for hosts NO_PROXY lists (`*`, a
// host or domain suffix, an IP, a CIDR, each optionally with a port).
import ipaddr from 'ipaddr.js';

const read = (env: NodeJS.ProcessEnv, name: string) => env[name.toUpperCase()] || env[name.toLowerCase()] || undefined;

export function proxyFromEnvironment(server: string, env: NodeJS.ProcessEnv): string | undefined {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return undefined;
  }
  const proxy = read(env, url.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY');
  if (!proxy) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  if (host === 'localhost' || (ipaddr.isValid(host) && ipaddr.process(host).range() === 'loopback')) return undefined;
  if (excluded(host, port, read(env, 'NO_PROXY') ?? '')) return undefined;
  // A proxy given without a scheme is http://, as in Go.
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}

function excluded(host: string, port: string, noProxy: string): boolean {
  for (const raw of noProxy.split(',').map((e) => e.trim().toLowerCase())) {
    if (!raw) continue;
    if (raw === '*') return true;
    if (raw.includes('/') && ipaddr.isValid(host)) {
      try {
        const [range, bits] = ipaddr.parseCIDR(raw);
        const addr = ipaddr.process(host);
        if (addr.kind() === range.kind() && addr.match(range, bits)) return true;
      } catch {
        // not a CIDR: compared as a name below
      }
      continue;
    }
    const m = raw.match(/^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/);
    if (!m) continue;
    const [, name, entryPort] = m;
    if (entryPort && entryPort !== port) continue;
    const entry = name.replace(/^\[|\]$/g, '');
    if (ipaddr.isValid(entry)) {
      if (ipaddr.isValid(host) && ipaddr.process(entry).toString() === ipaddr.process(host).toString()) return true;
      continue;
    }
    const suffix = entry.startsWith('.') ? entry : `.${entry}`;
    if (host === suffix.slice(1) || host.endsWith(suffix) || (entry.startsWith('*.') && host.endsWith(entry.slice(1))))
      return true;
  }
  return false;
}
