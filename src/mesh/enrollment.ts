// §1: which pods are in ambient, and whether istio-cni has really captured them.
import type { MeshSettings, NamespaceFact, PodFact, WorkloadFact } from '../snapshot/types.js';
import {
  ANNOTATION_REDIRECTION,
  ANNOTATION_SIDECAR_STATUS,
  DATAPLANE_AMBIENT,
  DATAPLANE_NONE,
  LABEL_DATAPLANE_MODE,
  LABEL_ISTIO_INJECTION,
  LABEL_ISTIO_REV,
  LABEL_SIDECAR_INJECT,
  LABEL_GATEWAY_NAME,
} from './constants.js';
import type { FindingCode } from '../findings/catalogue.js';
import { namespaceRef, podRef as podObject, refText, type ObjectRef } from '../snapshot/ref.js';
import { isDataplaneProxy } from './components.js';

export type DataplaneMode = 'ambient' | 'sidecar' | 'gateway' | 'none' | 'host-network';
export type Redirection = 'enabled' | 'pending' | 'absent' | 'disabled' | 'unobserved' | string;

export interface EnrollmentNote {
  code: FindingCode;
  detail: string;
  objects: ObjectRef[];
}

export interface Enrollment {
  /** How the pod's traffic is really handled. */
  mode: DataplaneMode;
  /** §1.1 selector result after hard exclusions. */
  shouldBeAmbient: boolean;
  /** The capture state in effect: `enabled`, or assumed from labels for unobserved pods. */
  captured: boolean;
  redirection: Redirection;
  /** Why the pod is (not) ambient, in one phrase, for the evidence. */
  reason: string;
  notes: EnrollmentNote[];
}

const POD_VALUE_NOTE = ' (inside an ambient namespace any pod value other than "none" still enrols the pod)';
const podRef = (p: PodFact) => refText(podObject(p));

/** §1.1 default enablement selectors: pod label ambient, or namespace label ambient and pod not `none`. */
function selectorSaysAmbient(
  podLabels: Record<string, string>,
  nsLabels: Record<string, string>,
): { ambient: boolean; reason: string } {
  const podValue = podLabels[LABEL_DATAPLANE_MODE];
  const nsValue = nsLabels[LABEL_DATAPLANE_MODE];
  if (podValue === DATAPLANE_AMBIENT) return { ambient: true, reason: `pod label ${LABEL_DATAPLANE_MODE}=ambient` };
  if (podValue === DATAPLANE_NONE)
    return { ambient: false, reason: `pod label ${LABEL_DATAPLANE_MODE}=none opts it out` };
  if (nsValue === DATAPLANE_AMBIENT)
    return { ambient: true, reason: `namespace label ${LABEL_DATAPLANE_MODE}=ambient` };
  return { ambient: false, reason: `neither the pod nor its namespace has ${LABEL_DATAPLANE_MODE}=ambient` };
}

export type ProxyKind = 'router' | 'sidecar' | 'waypoint';

/**
 * §12.2, §12.8: the Istio proxy a pod runs, from what the cluster shows, never from names alone:
 * the istio-proxy container's arguments (`proxy router` or `proxy sidecar`), the injection template
 * (the istio/gateway Helm chart injects the `gateway` template, so such pods carry
 * sidecar.istio.io/status), the Gateway API deployment label, and the legacy `istio` gateway labels.
 */
export function proxyOf(pod: PodFact): { kind: ProxyKind; evidence: string } | undefined {
  const proxy = pod.containers.find((c) => c.name === 'istio-proxy');
  const args = proxy?.args ?? [];
  const proxyAt = args.indexOf('proxy');
  const role = proxyAt >= 0 ? args[proxyAt + 1] : undefined;
  if (role === 'router') return { kind: 'router', evidence: 'its istio-proxy container runs `proxy router`' };
  if (role === 'sidecar') return { kind: 'sidecar', evidence: 'its istio-proxy container runs `proxy sidecar`' };
  if (role === 'waypoint') return { kind: 'waypoint', evidence: 'its istio-proxy container runs `proxy waypoint`' };
  const managed = pod.meta.labels['gateway.istio.io/managed'];
  if (managed === 'istio.io-mesh-controller' || managed === 'istio.io-eastwest-controller')
    return { kind: 'waypoint', evidence: `istiod deployed it for a waypoint (gateway.istio.io/managed=${managed})` };
  const templates = injectionTemplates(pod);
  if (templates.includes('gateway'))
    return { kind: 'router', evidence: 'it was injected with the `gateway` template (an Istio gateway)' };
  if (managed === 'istio.io-gateway-controller')
    return { kind: 'router', evidence: 'istiod deployed it for a Gateway API Gateway (gateway.istio.io/managed)' };
  if (templates.includes('sidecar'))
    return { kind: 'sidecar', evidence: 'it was injected with the `sidecar` template' };
  const legacy = pod.meta.labels['istio'];
  if (legacy === 'ingressgateway' || legacy === 'egressgateway')
    return { kind: 'router', evidence: `it carries the gateway label istio=${legacy}` };
  if (pod.meta.annotations[ANNOTATION_SIDECAR_STATUS] !== undefined)
    return { kind: 'sidecar', evidence: `it carries ${ANNOTATION_SIDECAR_STATUS}` };
  // Pods of a Gateway without the labels above: a waypoint's, as the input rarely says more.
  if (pod.meta.labels[LABEL_GATEWAY_NAME])
    return { kind: 'waypoint', evidence: `it belongs to Gateway ${pod.meta.labels[LABEL_GATEWAY_NAME]}` };
  if (proxy) return { kind: 'sidecar', evidence: 'it has an istio-proxy container' };
  return undefined;
}

/** The injection templates: from sidecar.istio.io/status (what was injected), else the request annotation. */
function injectionTemplates(pod: PodFact): string[] {
  const status = pod.meta.annotations[ANNOTATION_SIDECAR_STATUS];
  if (status) {
    try {
      const parsed = JSON.parse(status) as { templates?: unknown };
      if (Array.isArray(parsed.templates)) return parsed.templates.map(String);
    } catch {
      // An unreadable status says only that something was injected.
    }
  }
  return (pod.meta.annotations['inject.istio.io/templates'] ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}

/** Istio ingress/egress gateway pods, however installed (Helm chart, Gateway API, legacy labels). */
export function isIstioGateway(pod: PodFact): boolean {
  return proxyOf(pod)?.kind === 'router';
}

function isSidecarInjected(pod: PodFact): boolean {
  return proxyOf(pod)?.kind === 'sidecar';
}

/** §1.2: would the injector give this pod a sidecar? Used for pods we only know from templates. */
function injectionRequested(pod: PodFact, ns: NamespaceFact | undefined): string | undefined {
  const nsLabels = ns?.meta.labels ?? {};
  if (nsLabels[LABEL_ISTIO_INJECTION] === 'enabled') return `namespace label ${LABEL_ISTIO_INJECTION}=enabled`;
  if (nsLabels[LABEL_ISTIO_INJECTION] === 'disabled') return undefined;
  if (nsLabels[LABEL_ISTIO_REV]) return `namespace label ${LABEL_ISTIO_REV}=${nsLabels[LABEL_ISTIO_REV]}`;
  if (pod.meta.labels[LABEL_ISTIO_REV]) return `pod label ${LABEL_ISTIO_REV}=${pod.meta.labels[LABEL_ISTIO_REV]}`;
  if (pod.meta.labels[LABEL_SIDECAR_INJECT] === 'true') return `pod label ${LABEL_SIDECAR_INJECT}=true`;
  return undefined;
}

/**
 * §1.2: the namespace's injection labels disagree. The revision webhooks select `istio.io/rev` only where
 * `istio-injection` is absent, and the default one `istio-injection=enabled`
 * (I:manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml), so istio-injection
 * wins over a revision, and either injects sidecars beside the ambient label (istioctl IST0123,
 * I:pkg/config/analysis/analyzers/injection/injection.go).
 */
export function injectionLabelConflict(ns: NamespaceFact | undefined): string | undefined {
  if (!ns) return undefined;
  const labels = ns.meta.labels;
  const injection = labels[LABEL_ISTIO_INJECTION];
  const revision = injection === undefined || injection === 'enabled' ? labels[LABEL_ISTIO_REV] : undefined;
  const injecting =
    injection === 'enabled' ? `${LABEL_ISTIO_INJECTION}=enabled` : revision && `${LABEL_ISTIO_REV}=${revision}`;
  if (!injecting) return undefined;
  if (labels[LABEL_DATAPLANE_MODE] === DATAPLANE_AMBIENT) {
    return (
      `Namespace ${ns.meta.name} has ${LABEL_DATAPLANE_MODE}=ambient beside ${injecting}: the injector still adds ` +
      'sidecars, and sidecar mode wins.'
    );
  }
  if (injection === 'enabled' && revision) {
    return (
      `Namespace ${ns.meta.name} has ${LABEL_ISTIO_INJECTION}=enabled beside ${LABEL_ISTIO_REV}=${revision}: ` +
      `the ${revision} revision's injector skips it, and the default revision injects its sidecar (none if no ` +
      'default revision is installed).'
    );
  }
  return undefined;
}

export function evaluateEnrollment(
  pod: PodFact,
  ns: NamespaceFact | undefined,
  mesh: MeshSettings,
  workload?: WorkloadFact,
): Enrollment {
  const notes: EnrollmentNote[] = [];
  const nsName = pod.meta.namespace;
  const nsLabels = ns?.meta.labels ?? {};
  const redirectionValue = pod.meta.annotations[ANNOTATION_REDIRECTION];
  const redirection: Redirection =
    !pod.observed && redirectionValue === undefined ? 'unobserved' : (redirectionValue ?? 'absent');

  // Wrong-but-common spellings (§1.1, §6.7).
  for (const [where, labels, ref] of [
    ['pod', pod.meta.labels, podObject(pod)],
    ['namespace', nsLabels, namespaceRef(nsName)],
  ] as const) {
    const v = labels[LABEL_DATAPLANE_MODE];
    if (v !== undefined && v !== DATAPLANE_AMBIENT && v !== DATAPLANE_NONE) {
      notes.push({
        code: 'AD102',
        detail:
          `The ${where} label ${LABEL_DATAPLANE_MODE}=${v} is ignored: only "ambient" and "none" mean ` +
          `anything${where === 'pod' && v !== '' ? POD_VALUE_NOTE : ''}.`,
        objects: [ref],
      });
    }
  }
  if (pod.meta.annotations[LABEL_DATAPLANE_MODE] !== undefined && pod.meta.labels[LABEL_DATAPLANE_MODE] === undefined) {
    notes.push({
      code: 'AD103',
      detail: `${podRef(pod)} has ${LABEL_DATAPLANE_MODE} as an annotation; istio-cni reads only labels.`,
      objects: [podObject(pod)],
    });
  }
  if (ns && ns.meta.annotations[LABEL_DATAPLANE_MODE] !== undefined && nsLabels[LABEL_DATAPLANE_MODE] === undefined) {
    notes.push({
      code: 'AD103',
      detail: `Namespace ${nsName} has ${LABEL_DATAPLANE_MODE} as an annotation; istio-cni reads only labels.`,
      objects: [namespaceRef(nsName)],
    });
  }
  if (
    workload &&
    workload.meta.labels[LABEL_DATAPLANE_MODE] !== undefined &&
    pod.meta.labels[LABEL_DATAPLANE_MODE] === undefined
  ) {
    notes.push({
      code: 'AD104',
      detail:
        `${workload.kind} ${workload.meta.namespace}/${workload.meta.name} has ` +
        `${LABEL_DATAPLANE_MODE}=${workload.meta.labels[LABEL_DATAPLANE_MODE]} on its own metadata; only pod ` +
        `labels (spec.template.metadata.labels) count.`,
      objects: [{ kind: workload.kind, namespace: workload.meta.namespace, name: workload.meta.name }],
    });
  }
  if (redirectionValue === 'disabled') {
    notes.push({
      code: 'AD112',
      detail:
        `${podRef(pod)} is annotated ${ANNOTATION_REDIRECTION}=disabled to opt out; since 1.22 use the label ` +
        `${LABEL_DATAPLANE_MODE}=none.`,
      objects: [podObject(pod)],
    });
  }
  const conflict = injectionLabelConflict(ns);
  if (conflict) notes.push({ code: 'AD108', detail: conflict, objects: [namespaceRef(nsName)] });

  const selected = selectorSaysAmbient(pod.meta.labels, nsLabels);
  let mode: DataplaneMode = 'none';
  let shouldBeAmbient = selected.ambient;
  let reason = selected.reason;

  // Hard exclusions, whatever the labels say (§1.1).
  const injection = !pod.observed ? injectionRequested(pod, ns) : undefined;
  if (pod.hostNetwork) {
    mode = 'host-network';
    if (shouldBeAmbient) {
      notes.push({
        code: 'AD105',
        detail: `${podRef(pod)} uses hostNetwork, so istio-cni never enrols it although ${selected.reason}.`,
        objects: [podObject(pod)],
      });
    }
    shouldBeAmbient = false;
    reason = 'hostNetwork pods are never enrolled';
  } else if (isIstioGateway(pod)) {
    // §10: an Istio gateway sends HBONE with its own identity, like an HBONE-capable sidecar.
    mode = 'gateway';
    shouldBeAmbient = false;
    reason = `an Istio gateway (${proxyOf(pod)!.evidence}): it sends HBONE with its own identity`;
  } else if (isSidecarInjected(pod) || injection) {
    mode = 'sidecar';
    if (shouldBeAmbient) {
      notes.push({
        code: 'AD106',
        detail:
          `${podRef(pod)} ${injection ? `would get a sidecar (${injection})` : 'has an injected sidecar'}; ` +
          `sidecar mode takes precedence over ${selected.reason}.`,
        objects: [podObject(pod), namespaceRef(nsName)],
      });
    }
    shouldBeAmbient = false;
    reason = injection ? `sidecar injection (${injection})` : `sidecar injected (${proxyOf(pod)?.evidence})`;
  } else if (mesh.excludedNamespaces.includes(nsName)) {
    if (shouldBeAmbient) {
      notes.push({
        code: 'AD107',
        detail:
          `Namespace ${nsName} is in istio-cni's excluded namespaces (${mesh.excludedNamespaces.join(', ')}), ` +
          `which wins over ${selected.reason}.`,
        objects: [namespaceRef(nsName), { kind: 'ConfigMap', name: 'istio-cni-config' }],
      });
    }
    shouldBeAmbient = false;
    reason = `namespace ${nsName} is excluded by istio-cni`;
  } else if (isDataplaneProxy(pod)) {
    shouldBeAmbient = false;
    reason = 'ztunnel and waypoint pods are never captured';
  }

  let captured: boolean;
  if (mode === 'host-network' || mode === 'sidecar') {
    captured = false;
  } else if (redirection === 'unobserved') {
    captured = shouldBeAmbient;
  } else {
    captured = redirection === 'enabled';
    if (shouldBeAmbient && redirection === 'pending') {
      notes.push({
        code: 'AD109',
        detail:
          `${podRef(pod)} is annotated ${ANNOTATION_REDIRECTION}=pending: its redirect rules are installed but ` +
          `no ztunnel proxies it, so its traffic does not flow.`,
        objects: [podObject(pod)],
      });
    } else if (shouldBeAmbient && redirection !== 'enabled') {
      notes.push({
        code: 'AD110',
        detail:
          `${podRef(pod)} should be ambient (${selected.reason}) but has no ${ANNOTATION_REDIRECTION}=enabled ` +
          `annotation, so it is not captured and sends and receives plaintext. istio-cni's node agent captures ` +
          `running pods live: the agent on its node is not ready, or failed (its log says why).`,
        objects: [podObject(pod)],
      });
    } else if (
      !shouldBeAmbient &&
      redirection === 'enabled' &&
      (ns?.implied === false || pod.meta.labels[LABEL_DATAPLANE_MODE])
    ) {
      // Without its Namespace the labels that decide are unknown (AD903), not absent.
      notes.push({
        code: 'AD111',
        detail:
          `${podRef(pod)} is still annotated ${ANNOTATION_REDIRECTION}=enabled although ${reason}; istio-cni ` +
          `should remove it from the mesh shortly.`,
        objects: [podObject(pod)],
      });
    }
  }
  if (mode === 'none' && (captured || shouldBeAmbient || redirection === 'pending')) mode = 'ambient';
  return { mode, shouldBeAmbient, captured, redirection, reason, notes };
}
