import { checkTemplate } from '../render/templates.js';
import { Args, Command } from '@oclif/core';
import {
  commonFlags,
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
import { probes } from '../diagnose/explain/probes.js';
import { renderProbesText } from '../render/text.js';
import { explainNames } from '../render/names.js';

export default class Probes extends Command {
  static override summary = "Check that the kubelet's liveness, readiness and startup probes reach a pod in ambient";
  static override examples = ['<%= config.bin %> probes hello/deploy/helloworld-v1 -f cluster.yaml'];
  static override args = {
    pod: Args.string({ required: true, description: 'NS/POD, NS/KIND/NAME or TYPE/NAME with -n' }),
  };
  static override flags = { ...commonFlags, ...fixFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Probes);
    try {
      await checkTemplate(flags.output, flags.template);
      const { snapshot, namespace } = await loadSnapshot(flags, (ns) => ({
        kind: 'probes',
        target: args.pod,
        namespace: ns,
      }));
      const report = probes(snapshot, args.pod, namespace, observedSymptom(flags.symptom));
      if (flags.fix !== undefined) {
        process.stdout.write(fixOutput(report, flags.fix));
        return;
      }
      await emit(flags, 'ProbesReport', report, (safe) => renderProbesText(safe, textOptions(flags)), {
        name: (safe) => nameLines(explainNames(safe)),
      });
      process.exitCode = exitCodeFor(report.verdict);
    } catch (err) {
      process.exitCode = fail(err);
    }
  }
}
