import { checkTemplate } from '../render/templates.js';
import { Args, Command, Flags } from '@oclif/core';
import {
  commonFlags,
  evidenceFlags,
  evidenceJudgedAt,
  gatherEvidence,
  emit,
  nameLines,
  fixFlag,
  fixOutput,
  exitCodeFor,
  fail,
  loadSnapshot,
  observedSymptom,
  textOptions,
} from '../cli/common.js';
import { explainRun, type ExplainQuery } from '../diagnose/explain/explain.js';
import { evidencePods, annotateWithEvidence } from '../diagnose/evidence/index.js';
import { renderExplainText } from '../render/text.js';
import { explainNames } from '../render/names.js';

export default class Explain extends Command {
  static override summary = 'Explain whether a connection works in the ambient mesh, hop by hop, and how to fix it';
  static override examples = [
    '<%= config.bin %> explain test/curl helloworld.hello:5000 -f cluster.yaml',
    '<%= config.bin %> explain test/deploy/curl http://helloworld.hello/hello -f manifests/ -o json',
    '<%= config.bin %> explain kubelet hello/helloworld-v1-abc:5000 -f dump.yaml',
    '<%= config.bin %> explain test/curl helloworld.hello:5000 --logs ztunnel-node-a.log --logs ztunnel-node-b.log',
    '<%= config.bin %> explain test/curl helloworld.hello:5000 --since 15m --ztunnel-admin',
  ];
  static override args = {
    source: Args.string({
      required: true,
      description: 'NS/POD, NS/KIND/NAME (deploy, sts, ds, rs, job), TYPE/NAME with -n, or kubelet',
    }),
    destination: Args.string({
      required: true,
      description: 'SERVICE.NS:PORT, NS/POD:PORT, NS/KIND/NAME:PORT, TYPE/NAME:PORT, IP:PORT, HOST:PORT or a URL',
    }),
  };
  static override flags = {
    ...commonFlags,
    port: Flags.string({ description: 'destination port, instead of :PORT' }),
    method: Flags.string({ description: 'HTTP method (used at waypoints)' }),
    path: Flags.string({ description: 'HTTP path (used at waypoints)' }),
    ...fixFlag,
    header: Flags.string({
      multiple: true,
      multipleNonGreedy: true,
      description: 'HTTP header "Name: value" (used at waypoints)',
    }),
    ...evidenceFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Explain);
    try {
      await checkTemplate(flags.output, flags.template);
      const { snapshot, namespace, api } = await loadSnapshot(flags, (ns) => ({
        kind: 'explain',
        source: args.source,
        destination: args.destination,
        namespace: ns,
        port: flags.port,
      }));
      const query: ExplainQuery = {
        source: args.source,
        destination: args.destination,
        namespace,
        port: flags.port,
        method: flags.method,
        path: flags.path,
        headers: flags.header,
        symptom: observedSymptom(flags.symptom),
      };
      // The question is answered (or refused with its one-line reason) before any evidence is read.
      const run = explainRun(snapshot, query);
      // The evidence stage annotates that run: it reads the proxies explain found on the path.
      const evidence = await gatherEvidence(flags, snapshot, api, () => evidencePods(run.resolved));
      const report = evidence ? annotateWithEvidence(run, evidence, evidenceJudgedAt(flags, evidence)) : run.report;
      if (flags.fix !== undefined) {
        process.stdout.write(fixOutput(report, flags.fix));
        return;
      }
      await emit(flags, 'ExplainReport', report, (safe) => renderExplainText(safe, textOptions(flags)), {
        name: (safe) => nameLines(explainNames(safe)),
      });
      process.exitCode = exitCodeFor(report.verdict);
    } catch (err) {
      process.exitCode = fail(err);
    }
  }
}
