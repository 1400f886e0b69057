// §6.3-§6.6: the waypoint that serves a destination for these clients, or why none does. Labels
// Istio ignores (§6.7) are reported here too, since they are why a user expected a waypoint.
import type { GatewayFact, ObjectMeta, PodFact, Snapshot } from '../../snapshot/types.js';
import { namespaceRef, podRef, refText, refTo, type ObjectRef } from '../../snapshot/ref.js';
import {
  attachmentListener,
  bindingProblem,
  ignoredWaypointLabels,
  ingressUsesWaypoint,
  waypointBinding,
  waypointPods,
} from '../../mesh/waypoints.js';
import { waypointIdentity } from '../../mesh/identity.js';
import { finding, type Finding, type Remedy } from '../../findings/finding.js';
import { enrollmentOf, type EvalContext } from '../context.js';
import type { ResolvedDestination } from './resolve.js';
import type { Binding } from './route.js';
import { command, labelCommand, note, resourceFor } from '../../findings/command.js';

export function computeBinding(ctx: EvalContext, clients: PodFact[], dest: ResolvedDestination): Binding {
  const { snapshot } = ctx;
  const findings: Finding[] = [];
  const labelled: { ref: ObjectRef; meta: ObjectMeta }[] = [];
  const dstNs = dest.namespace ? snapshot.namespaces.get(dest.namespace) : undefined;
  if (dstNs) labelled.push({ ref: namespaceRef(dstNs.meta.name), meta: dstNs.meta });
  if (dest.service) labelled.push({ ref: refTo('Service', dest.service.meta), meta: dest.service.meta });
  if (dest.serviceEntry)
    labelled.push({ ref: refTo('ServiceEntry', dest.serviceEntry.meta), meta: dest.serviceEntry.meta });
  for (const n of ignoredWaypointLabels(labelled)) findings.push(finding('AD802', n.detail, n.objects));

  const addressedBy = dest.addressedBy === 'pod-ip' ? 'pod-ip' : 'service';
  const firstPod = dest.targets[0]?.pod;
  const target = dest.service
    ? { ref: refTo('Service', dest.service.meta), meta: dest.service.meta }
    : dest.serviceEntry
      ? { ref: refTo('ServiceEntry', dest.serviceEntry.meta), meta: dest.serviceEntry.meta }
      : firstPod
        ? { ref: podRef(firstPod), meta: firstPod.meta }
        : undefined;
  // Headless Services are addressed by pod IP (§6.5): the pods' own labels decide.
  const bindingObject =
    dest.service && addressedBy === 'pod-ip' && firstPod ? { ref: podRef(firstPod), meta: firstPod.meta } : target;
  const binding = waypointBinding(bindingObject, dstNs, snapshot.gateways);
  if (!binding) return { findings };
  const gwRef: ObjectRef = { kind: 'Gateway', namespace: binding.namespace, name: binding.name };
  const gwName = refText(gwRef);
  const labelledName = refText(binding.labelledObject);
  const objects = [gwRef, binding.labelledObject];
  if (!binding.gateway) {
    const detail =
      `${labelledName} asks for waypoint ${binding.namespace}/${binding.name}, which is not in the input. If it does ` +
      'not exist in the cluster either, Istio marks the binding WaypointIsNotReady and traffic goes direct, ' +
      'skipping any L7 policy.';
    findings.push(finding('AD802', detail, [binding.labelledObject]));
    return { findings };
  }
  // §6.6, §12.1: only ambient-captured clients send to waypoints; an Istio gateway does when the
  // Service's istio.io/ingress-use-waypoint (else its namespace's) says so.
  const ingressOptIn = ingressUsesWaypoint(dest.service?.meta.labels, dstNs?.meta.labels, snapshot.mesh.istioVersion);
  const usesWaypoints = (p: PodFact) => {
    const e = enrollmentOf(ctx, p);
    return e.captured || (e.mode === 'gateway' && ingressOptIn && addressedBy === 'service');
  };
  if (!clients.some(usesWaypoints)) {
    const detail =
      `${labelledName} is bound to ${gwName}, but the client is not an ambient-captured pod, so it talks to the ` +
      "destination directly and the waypoint's policies do not apply to it.";
    findings.push(finding('AD804', detail, objects));
    return { findings };
  }
  const inherited = binding.labelledObject.kind === 'Namespace';
  const problem = bindingProblem(
    binding,
    addressedBy,
    bindingObject?.meta.namespace ?? binding.namespace,
    snapshot,
    inherited,
  );
  const { namespace, name } = binding;
  if (problem?.kind === 'not-ready') {
    const detail =
      `${gwName} has no status.addresses, so Istio never made it ready (WaypointIsNotReady): traffic goes direct and ` +
      "the waypoint's L7 policies are not applied (fail-open)." +
      revisionWithoutIstiod(snapshot, binding.gateway);
    const fix: Remedy[] = [
      {
        title: `Find out why waypoint ${namespace}/${name} was never programmed`,
        commands: [
          note('see status.conditions, Programmed'),
          command(['kubectl', '-n', namespace, 'get', resourceFor('Gateway'), name, '-o', 'yaml']),
        ],
      },
    ];
    findings.push(finding('AD805', detail, objects, fix));
    return { findings };
  }
  if (problem?.kind === 'traffic-type') {
    if (!(inherited && addressedBy === 'pod-ip')) {
      const detail =
        `${gwName} serves traffic type "${problem.supports}" (istio.io/waypoint-for), but this traffic is ` +
        `addressed to ` +
        `${addressedBy === 'service' ? 'a Service' : 'a pod IP'} (UnsupportedTrafficType): it goes direct and ` +
        `the waypoint's policies are skipped.`;
      const label = { 'istio.io/waypoint-for': 'all' };
      const fix: Remedy[] = [
        {
          title: `Let waypoint ${namespace}/${name} serve both Service and pod-IP traffic`,
          commands: [labelCommand({ kind: 'Gateway', namespace, name }, label)],
          effects: [
            {
              apiVersion: 'gateway.networking.k8s.io/v1',
              kind: 'Gateway',
              metadata: { name, namespace, labels: label },
            },
          ],
        },
      ];
      findings.push(finding('AD806', detail, objects, fix));
    }
    return { findings };
  }
  if (problem?.kind === 'attachment-denied') {
    const objectNamespace = bindingObject?.meta.namespace ?? binding.namespace;
    const detail =
      `${labelledName} uses ${gwName}, but its HBONE listener does not allow routes from namespace ` +
      `${objectNamespace} (AttachmentDenied): traffic goes direct.`;
    findings.push(finding('AD806', detail, objects, [attachmentRemedy(binding.gateway, objectNamespace)]));
    return { findings };
  }
  const gw = binding.gateway;
  const pods = waypointPods(gw, snapshot.pods);
  const ready = pods.filter((p) => p.ready);
  const conditions = [dest.service, dest.serviceEntry].flatMap((o) =>
    (o?.conditions ?? []).filter((c) => c.type === 'istio.io/WaypointBound'),
  );
  const destName = dest.object ? refText(dest.object) : dest.input;
  return {
    findings,
    route: {
      gateway: gw,
      pods: ready,
      // §6.4: live, a waypoint with no pods at all (scaled to zero, deleted) fails closed too.
      noReadyPods: ready.length === 0 && (pods.length > 0 || snapshot.isAbsenceFact('pods', gw.meta.namespace)),
      identity: waypointIdentity(gw, snapshot.mesh.trustDomain),
      labelledObject: binding.labelledObject,
      evidence: conditions.map(
        (c) =>
          `${destName} status ` +
          `WaypointBound=${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}`,
      ),
    },
  };
}

/**
 * §6.4: let one more namespace attach, and only it. A listener that selects namespaces by labels
 * gets the namespace labelled to match; otherwise the attachment listener (added as HBONE/15008
 * when there is none) selects the Gateway's own namespace and this one by name.
 */
function attachmentRemedy(gw: GatewayFact, namespace: string): Remedy {
  const { namespace: gwNamespace, name } = gw.meta;
  const hbone = attachmentListener(gw);
  const wanted = hbone?.allowedRoutesFrom === 'Selector' ? hbone.allowedRoutesSelector : undefined;
  if (wanted?.matchLabels && Object.keys(wanted.matchLabels).length > 0 && !wanted.matchExpressions?.length) {
    const labels = wanted.matchLabels;
    return {
      title: `Label namespace ${namespace} so that waypoint ${gwNamespace}/${name} admits it`,
      commands: [labelCommand({ kind: 'Namespace', name: namespace }, labels)],
      effects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } }],
    };
  }
  const selector = {
    matchExpressions: [
      { key: 'kubernetes.io/metadata.name', operator: 'In', values: [...new Set([gwNamespace, namespace])] },
    ],
  };
  const listeners = gw.listeners.map((l) =>
    l === hbone
      ? {
          name: l.name ?? 'mesh',
          port: l.port,
          protocol: l.protocol,
          allowedRoutes: { namespaces: { from: 'Selector', selector } },
        }
      : {
          name: l.name,
          port: l.port,
          protocol: l.protocol,
          ...(l.allowedRoutesFrom
            ? {
                allowedRoutes: {
                  namespaces: {
                    from: l.allowedRoutesFrom,
                    ...(l.allowedRoutesSelector ? { selector: l.allowedRoutesSelector } : {}),
                  },
                },
              }
            : {}),
        },
  );
  if (!hbone)
    listeners.push({
      name: 'mesh',
      port: 15008,
      protocol: 'HBONE',
      allowedRoutes: { namespaces: { from: 'Selector', selector } },
    });
  const patch = { spec: { listeners } };
  return {
    title: `Let waypoint ${gwNamespace}/${name} accept routes from namespace ${namespace} (and its own)`,
    commands: [
      command([
        'kubectl',
        '-n',
        gwNamespace,
        'patch',
        resourceFor('Gateway'),
        name,
        '--type',
        'merge',
        '-p',
        JSON.stringify(patch),
      ]),
    ],
    effects: [
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name, namespace: gwNamespace },
        ...patch,
      },
    ],
  };
}

/**
 * §12.8: a Gateway labelled istio.io/rev belongs to that revision's istiod; when the input shows
 * istiod but none of that revision, nothing deploys the waypoint or writes its address.
 */
function revisionWithoutIstiod(snapshot: Snapshot, gw: GatewayFact): string {
  const revision =
    gw.meta.labels['istio.io/rev'] ?? snapshot.namespaces.get(gw.meta.namespace)?.meta.labels['istio.io/rev'];
  if (!revision) return '';
  const labelsOfIstiod = [
    ...snapshot.workloads.filter((w) => w.meta.namespace === snapshot.mesh.rootNamespace).map((w) => w.templateLabels),
    ...snapshot.pods.filter((p) => p.meta.namespace === snapshot.mesh.rootNamespace).map((p) => p.meta.labels),
  ].filter((labels) => labels.app === 'istiod');
  if (labelsOfIstiod.length === 0) return '';
  const revisions = new Set(labelsOfIstiod.map((labels) => labels['istio.io/rev'] ?? 'default'));
  if (revisions.has(revision)) return '';
  return (
    ` It belongs to revision ${revision} (istio.io/rev), but the istiod in the input runs ` +
    `${[...revisions].join(', ')}: no istiod of that revision deploys it.`
  );
}
