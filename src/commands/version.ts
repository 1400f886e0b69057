import { Command, Flags } from '@oclif/core';
import { commonFlags, fail } from '../cli/common.js';
import { VERSION } from '../version.js';
import { renderJson } from '../render/structured.js';
import { asDocument } from '../diagnose/report.js';

/** `version`, as kubectl has one: the release, and what it runs on; -o json for scripts. */
export default class Version extends Command {
  static override summary = 'Print the version of kubectl ambient-doctor';
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version -o json'];
  static override flags = {
    help: commonFlags.help,
    output: Flags.string({ char: 'o', options: ['text', 'json'], default: 'text', description: 'output format' }),
  };

  async run(): Promise<void> {
    try {
      const { flags } = await this.parse(Version);
      const info = { version: VERSION, platform: `${process.platform}/${process.arch}`, runtime: runtimeName() };
      if (flags.output === 'json') process.stdout.write(renderJson(asDocument('Version', info)));
      else process.stdout.write(`kubectl-ambient-doctor v${info.version} (${info.platform}, ${info.runtime})\n`);
    } catch (err) {
      process.exitCode = fail(err);
    }
  }
}

/** The compiled binary runs on Bun, the npm package on Node. */
function runtimeName(): string {
  const bun = (process.versions as Record<string, string | undefined>).bun;
  return bun ? `bun ${bun}` : `node ${process.version}`;
}
