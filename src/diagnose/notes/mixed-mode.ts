// §1.2, §12.8: pitfalls of a mesh half way between sidecars and ambient, named on the connection
// that crosses them: proxies of different revisions at the two ends, and a Service whose pods are
// partly sidecar and partly ambient (each pod enforces policy in its own way).
import type { PodFact, ServiceFact } from '../../snapshot/types.js';
import { podRef, refTo } from '../../snapshot/ref.js';
import { ANNOTATION_SIDECAR_STATUS, LABEL_ISTIO_REV } from '../../mesh/constants.js';
import { mapSelectorMatches } from '../../mesh/labels.js';
import { finding } from '../../findings/finding.js';
import { enrollmentOf, podName } from '../context.js';
import type { Analyzer } from './analyzer.js';

export interface PairSubject {
  source?: PodFact;
  destination: PodFact;
  /** The Service the client addressed, if any. */
  service?: ServiceFact;
}

/** The istiod revision a proxy pod was injected by (its status), else the one it asks for. */
export function proxyRevision(pod: PodFact): string | undefined {
  const status = pod.meta.annotations[ANNOTATION_SIDECAR_STATUS];
  if (status) {
    try {
      const revision = (JSON.parse(status) as { revision?: unknown }).revision;
      if (typeof revision === 'string' && revision) return revision;
    } catch {
      // fall through to the label
    }
  }
  return pod.meta.labels[LABEL_ISTIO_REV];
}

export const mixedModePath: Analyzer<PairSubject> = {
  codes: ['AD710'],
  analyze: (ctx, { source, destination, service }) => {
    const out = [];
    const proxied = (p: PodFact) => ['sidecar', 'gateway'].includes(enrollmentOf(ctx, p).mode);
    if (source && proxied(source) && proxied(destination)) {
      const [a, b] = [proxyRevision(source), proxyRevision(destination)];
      if (a && b && a !== b) {
        const detail =
          `${podName(source)} runs a proxy of revision ${a} and ${podName(destination)} one of revision ${b}: ` +
          'each gets its configuration from its own istiod, so policy behaviour can differ by version on the ' +
          'two ends until both are moved to one revision.';
        out.push(finding('AD710', detail, [podRef(source), podRef(destination)]));
      }
    }
    const selector = service?.selector;
    if (service && selector && Object.keys(selector).length > 0) {
      const pods = ctx.snapshot.pods.filter(
        (p) => p.meta.namespace === service.meta.namespace && mapSelectorMatches(selector, p.meta.labels),
      );
      const sidecars = pods.filter((p) => enrollmentOf(ctx, p).mode === 'sidecar');
      const ambient = pods.filter((p) => enrollmentOf(ctx, p).captured);
      if (sidecars.length > 0 && ambient.length > 0) {
        const detail =
          `Service ${service.meta.namespace}/${service.meta.name} selects ${sidecars.length} sidecar ` +
          `pod${sidecars.length > 1 ? 's' : ''} and ${ambient.length} ambient pod${ambient.length > 1 ? 's' : ''}: ` +
          'half migrated. Sidecar pods enforce AuthorizationPolicies in Envoy (HTTP rules apply), ambient pods ' +
          'at ztunnel (HTTP rules do not), so one request can pass on one pod and fail on another.';
        out.push(finding('AD710', detail, [refTo('Service', service.meta), ...sidecars.slice(0, 3).map(podRef)]));
      }
    }
    return out;
  },
};
