import { Args, Command, Flags } from '@oclif/core';
import { renderDump } from '../input/dump.js';
import { commonFlags, fail, readCluster } from '../cli/common.js';
import { EXIT_OK } from '../errors.js';

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
    namespace: commonFlags.namespace,
    'request-timeout': commonFlags['request-timeout'],
    deadline: commonFlags.deadline,
    verbose: commonFlags.verbose,
    port: Flags.string({ description: 'destination port, instead of :PORT' }),
    output: Flags.string({ char: 'o', options: ['yaml', 'json'], default: 'yaml', description: 'output format' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Dump);
    try {
      const { read } = await readCluster(flags, (ns) => ({
        kind: 'explain',
        source: args.source,
        destination: args.destination,
        namespace: ns,
        port: flags.port,
      }));
      process.stdout.write(renderDump(read.objects, flags.output === 'json' ? 'json' : 'yaml'));
      if (read.gaps.length > 0) {
        for (const g of read.gaps)
          process.stderr.write(
            `warning: forbidden: cannot ${g.verb} ${g.resource}${g.namespace ? ` in ${g.namespace}` : ''}; the ` +
              `dump is incomplete\n`,
          );
      }
      process.exitCode = read.gaps.length > 0 ? 2 : EXIT_OK;
    } catch (err) {
      process.exitCode = fail(err);
    }
  }
}
