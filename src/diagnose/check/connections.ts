// The connection-level findings that hold for the mesh as a whole, found by asking explain's own
// engine (matrix.ts, verdict mode) one question per pair of pod classes: every source class to every
// destination class on its Service target ports (pods without a Service: their declared ports).
// A failing pair whose decisive finding is a fault rather than an intended denial (a NetworkPolicy
// dropping HBONE 15008, the waypoint identity pitfall, a ztunnel or waypoint that is down, ...) is
// reported once per decisive object, with the connections it breaks. STRICT mTLS against plaintext
// clients (AD301, AD704) is reported as the risk AD305 on the PeerAuthentication.
import { refText, refTo, type ObjectRef } from '../../snapshot/ref.js';
import { decidingPolicy } from '../../findings/catalogue.js';
import { finding, type Finding } from '../../findings/finding.js';
import { matrixStream, type MatrixCellWithFinding } from '../matrix.js';
import { matrixWorkloads } from '../workloads.js';
import { podClassKeys } from '../pod-classes.js';
import { workloadName } from '../../mesh/connectivity.js';
import { withExplain, type CheckAnalyzer } from './analyzer.js';
import { command, shellLine, unsafeCommandNote } from '../../findings/command.js';

const EXAMPLES = 3;
const listed = (items: string[]) =>
  items.length > EXAMPLES
    ? `${items.slice(0, EXAMPLES).join(', ')} and ${items.length - EXAMPLES} more`
    : items.join(', ');
const namespaceOf = (workload: string) => workload.slice(0, workload.indexOf('/'));

interface Broken {
  finding: Finding;
  connections: Set<string>;
  explain?: string;
}

const KIND_ARG: Record<string, string> = { ReplicaSet: 'rs', StatefulSet: 'sts', DaemonSet: 'ds', Job: 'job' };

/** The workload as explain takes it: NS/POD or NS/KIND/NAME. */
function workloadArg(workload: string): string {
  const m = workload.match(/^([^/]+)\/(.+)\[(\w+)\]$/);
  if (!m) return workload;
  const [, ns, name, kind] = m;
  return kind === 'Pod' || !KIND_ARG[kind] ? `${ns}/${name}` : `${ns}/${KIND_ARG[kind]}/${name}`;
}

/** The explain command that shows one broken connection hop by hop, with its proven fixes. */
function explainCommand(cell: MatrixCellWithFinding): string {
  const service = cell.service?.match(/^([^/]+)\/([^:]+):(\d+)$/);
  const to = service ? `${service[2]}.${service[1]}:${service[3]}` : `${workloadArg(cell.destination)}:${cell.port}`;
  const line = command(['kubectl', 'ambient-doctor', 'explain', workloadArg(cell.source), to]);
  return shellLine(line) ?? unsafeCommandNote(line);
}

interface StrictRisk {
  object: ObjectRef | undefined;
  objectText: string;
  clients: Set<string>;
  destinations: Set<string>;
}

export const connections: CheckAnalyzer = {
  name: 'connections',
  codes: ['AD114', 'AD305', 'AD403', 'AD408', 'AD501', 'AD502', 'AD505', 'AD701', 'AD807', 'AD810'],
  run: (scan) => {
    const { snapshot } = scan;
    // One pod per class stands for every pod no rule can tell apart from it (pod-classes.ts).
    const keyOf = podClassKeys(snapshot);
    const reps = new Map<string, { name: string; pod: (typeof snapshot.pods)[number] }>();
    // Node agents on the host network are clients too (plaintext, §1.1): the matrix leaves them out.
    const hostClients = snapshot.pods
      .filter((p) => p.hostNetwork && p.meta.labels.app !== 'ztunnel' && p.meta.labels['k8s-app'] !== 'istio-cni-node')
      .map((pod) => ({ name: workloadName(pod), pod }));
    for (const w of [...matrixWorkloads(snapshot, 'all'), ...hostClients]) {
      const key = keyOf(w.pod);
      if (!reps.has(key)) reps.set(key, w);
    }
    const { cells } = matrixStream(snapshot, {
      namespaces: 'all',
      servicePorts: true,
      podPortsWithoutService: true,
      workloads: [...reps.values()],
      keepDecisive: true,
      distinctSources: true,
    });
    const broken = new Map<string, Broken>();
    const strict = new Map<string, StrictRisk>();
    for (const cell of cells as Iterable<MatrixCellWithFinding>) {
      const f = cell.finding;
      if (cell.outcome !== 'denied' || !f || !scan.inScope(namespaceOf(cell.destination))) continue;
      const to = `${cell.service ?? cell.destination}${cell.service ? '' : `:${cell.port}`}`;
      // Each decisive code's catalogue entry says what a scan makes of the connections it denies.
      const inCheck = decidingPolicy(f.code)?.inCheck ?? 'fault';
      if (typeof inCheck === 'object' && inCheck.meshForm === 'AD305') {
        const objectText = f.objects[0]?.startsWith('PeerAuthentication ') ? f.objects[0] : 'mesh default';
        let risk = strict.get(objectText);
        if (!risk) {
          // The PeerAuthentication itself (with the file it came from), found by the name the engine gave it.
          const pa = snapshot.peerAuthentications.find(
            (p) => refText(refTo('PeerAuthentication', p.meta)) === objectText,
          );
          const object = pa ? refTo('PeerAuthentication', pa.meta) : undefined;
          strict.set(objectText, (risk = { object, objectText, clients: new Set(), destinations: new Set() }));
        }
        risk.clients.add(cell.source);
        risk.destinations.add(to);
        continue;
      }
      if (inCheck !== 'fault') continue;
      const key = `${f.code} ${f.objects[0] ?? ''}`;
      let entry = broken.get(key);
      if (!entry) broken.set(key, (entry = { finding: f, connections: new Set() }));
      entry.connections.add(`${cell.source} → ${to}`);
      entry.explain ??= explainCommand(cell);
    }
    const out: Finding[] = [];
    for (const { finding: f, connections: list, explain } of broken.values()) {
      const detail = `${f.detail} Connections it breaks (one client per kind): ${listed([...list])}.`;
      // Built field by field: spreading the finding would render its remedies (fix) for nothing.
      const copy: Finding = {
        code: f.code,
        severity: f.severity,
        title: f.title,
        detail,
        objects: f.objects,
        docs: f.docs,
      };
      if (f.origins) copy.origins = f.origins;
      out.push(withExplain(copy, explain));
    }
    for (const risk of strict.values()) {
      const clients = [...risk.clients];
      const dests = [...risk.destinations];
      const detail =
        `${risk.object ? refText(risk.object) : 'STRICT mTLS'} makes ${listed(dests)} reject plaintext, and ` +
        `${clients.length} kind(s) of client outside the mesh can reach them by Service and policy ` +
        `(${listed(clients)}): each of their connections is reset (§3.2). Enrol those clients, or accept ` +
        'plaintext on the ports they use (PERMISSIVE port-level mTLS), before they are paged for it.';
      out.push(finding('AD305', detail, risk.object ? [risk.object] : []));
    }
    return out;
  },
};
