// §11 row 24: the verdict assumes the app listens on the target port; say so when no container declares it.
import type { PodFact } from '../../snapshot/types.js';
import { podRef } from '../../snapshot/ref.js';
import { finding } from '../../findings/finding.js';
import { podName } from '../context.js';
import type { Analyzer } from './analyzer.js';
import { ztunnelLogs } from '../../mesh/ztunnel-log-signatures.js';

export const undeclaredPort: Analyzer<{ destination: PodFact; port: number }> = {
  codes: ['AD702'],
  analyze: (_ctx, { destination, port }) => {
    if (destination.containers.some((c) => c.ports.some((p) => p.containerPort === port))) return [];
    const detail =
      `No container of ${podName(destination)} declares port ${port}; the verdict assumes the app listens there. ` +
      `If it does not, the client sees a reset (ztunnel logs "${ztunnelLogs('app-refused')}").`;
    return [finding('AD702', detail, [podRef(destination)])];
  },
};
