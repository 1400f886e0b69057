import { Args, Command, Flags } from '@oclif/core';
import { dumpList, renderDump } from '../input/dump.js';
import {
  commonFlags,
  connectionFlags,
  fail,
  nameLines,
  outputFlag,
  parseTimeout,
  readCluster,
  templateFlags,
} from '../cli/common.js';
import { checkTemplate, renderTemplate, templateOutput } from '../render/templates.js';
import { kubectlName } from '../render/names.js';
import { buildSnapshot } from '../input/normalize.js';
import { evidencePods } from '../diagnose/evidence/index.js';
import { explainRun } from '../diagnose/explain/explain.js';
import type { SourcedObject } from '../input/files.js';
import { EXIT_OK } from '../errors.js';
import { visibleOnOneLine, withVisibleControls } from '../text/controls.js';
import { appendAll } from '../arrays.js';

export default class Dump extends Command {
  static override summary =
    'Write exactly the objects explain reads from the cluster, to re-run the diagnosis offline with -f';
  static override examples = [
    '<%= config.bin %> dump test/curl helloworld.hello:5000 -o yaml > case.yaml',
    '<%= config.bin %> explain test/curl helloworld.hello:5000 -f case.yaml',
  ];
  static override args = {
    source: Args.string({ required: true, description: 'as for explain' }),
    destination: Args.string({ required: true, description: 'as for explain' }),
  };
  static override flags = {
    help: commonFlags.help,
    kubeconfig: commonFlags.kubeconfig,
    context: commonFlags.context,
    ...connectionFlags,
    namespace: commonFlags.namespace,
    'request-timeout': commonFlags['request-timeout'],
    deadline: commonFlags.deadline,
    'max-response-size': commonFlags['max-response-size'],
    verbose: commonFlags.verbose,
    port: Flags.string({ description: 'destination port, instead of :PORT' }),
    output: outputFlag(['yaml', 'json', 'name'], 'output format (name: kind.group/name of each object)', 'yaml'),
    ...templateFlags,
    'with-logs': Flags.boolean({
      default: false,
      description: 'also the recent logs of the ztunnels and waypoints on the path, so a ticket carries everything',
    }),
    since: Flags.string({ default: '5m', description: 'with --with-logs: only log lines newer than this' }),
    'log-lines': Flags.integer({
      default: 2000,
      min: 1,
      description: 'with --with-logs: at most this many lines per pod',
    }),
    'ztunnel-admin': Flags.boolean({
      default: false,
      description: "with --with-logs: also ztunnel's config dumps (needs create on pods/portforward)",
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Dump);
    try {
      await checkTemplate(flags.output, flags.template);
      const { read, api, namespace } = await readCluster(flags, (ns) => ({
        kind: 'explain',
        source: args.source,
        destination: args.destination,
        namespace: ns,
        port: flags.port,
      }));
      const objects: SourcedObject[] = [...read.objects];
      if (flags['with-logs']) {
        const snapshot = buildSnapshot(read.objects, 'cluster', read);
        // The proxies on the asked connection, as explain resolves it (no proofs: only its ends and waypoint).
        let wanted: ReturnType<typeof evidencePods> = { pods: [], gaps: [] };
        try {
          const query = { source: args.source, destination: args.destination, namespace, port: flags.port };
          wanted = evidencePods(explainRun(snapshot, query, { prove: false }).resolved);
        } catch {
          // The question itself cannot be resolved: the dump carries the configuration only.
        }
        const { pods, gaps } = wanted;
        const { readEvidenceObjects } = await import('../input/live-evidence.js');
        const sinceMs = parseTimeout(flags.since, '--since');
        const carried = await readEvidenceObjects(api, pods, gaps, {
          sinceSeconds: Math.max(1, Math.ceil(sinceMs / 1000)),
          lineCap: flags['log-lines'],
          ztunnelAdmin: flags['ztunnel-admin'],
        });
        appendAll(
          objects,
          carried.map((object) => ({ object, origin: 'cluster' })),
        );
      }
      const template = templateOutput(flags.output, flags.template);
      if (template) {
        const list = withVisibleControls(dumpList(objects));
        process.stdout.write(await renderTemplate(template, list, flags['allow-missing-template-keys']));
      } else if (flags.output === 'name') {
        const names = objects.map(({ object: o }) =>
          kubectlName(o.apiVersion ?? 'v1', o.kind ?? '', o.metadata?.name ?? ''),
        );
        process.stdout.write(nameLines(withVisibleControls(names)));
      } else process.stdout.write(renderDump(objects, flags.output === 'json' ? 'json' : 'yaml'));
      if (read.gaps.length > 0) {
        for (const g of read.gaps)
          process.stderr.write(
            visibleOnOneLine(
              `warning: forbidden: cannot ${g.verb} ${g.resource}${g.namespace ? ` in ${g.namespace}` : ''}; the ` +
                'dump is incomplete',
            ) + '\n',
          );
      }
      process.exitCode = read.gaps.length > 0 ? 2 : EXIT_OK;
    } catch (err) {
      process.exitCode = fail(err);
    }
  }
}
