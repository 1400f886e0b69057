import { Args, Command } from '@oclif/core';
import { commonFlags, fail } from '../cli/common.js';
import { didYouMean } from '../cli/nearest.js';
import { FINDINGS, type FindingCode } from '../findings/catalogue.js';
import { page, pageNames } from '../findings/pages.js';
import { UsageError } from '../errors.js';

export default class Docs extends Command {
  static override summary = 'Print the docs page of a finding code (or rbac), with its link for this release';
  static override examples = ['<%= config.bin %> docs AD301', '<%= config.bin %> docs rbac', '<%= config.bin %> docs'];
  static override args = {
    page: Args.string({ required: false, description: 'a finding code such as AD301, or rbac; none lists them' }),
  };
  static override flags = { help: commonFlags.help };

  async run(): Promise<void> {
    const { args } = await this.parse(Docs);
    try {
      if (!args.page) {
        const codes = Object.keys(FINDINGS) as FindingCode[];
        const lines = codes.map((c) => `${c}  ${FINDINGS[c].severity.padEnd(7)}  ${FINDINGS[c].title}`);
        process.stdout.write(`${lines.join('\n')}\nrbac   the permissions the tool needs\n`);
        return;
      }
      const found = page(args.page);
      if (!found) {
        const guess = didYouMean(args.page.toUpperCase(), pageNames());
        const hint = guess ? `; did you mean ${guess}?` : '';
        throw new UsageError(`no docs page "${args.page}"${hint} ('docs' with no argument lists them)`);
      }
      process.stdout.write(`${found.url}\n\n${found.text.trimEnd()}\n`);
    } catch (err) {
      process.exitCode = fail(err);
    }
  }
}
