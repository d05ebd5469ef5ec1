/** Command-line parsing shared by the subcommands: node:util parseArgs, with usage errors that say where the options are listed. */
import {parseArgs} from 'node:util';
import {UsageError} from '../errors.js';

type OptionSpec = Record<string, {type: 'string' | 'boolean'; multiple?: boolean; short?: string}>;

export function parseCommandArgs<T extends OptionSpec>(command: string, argv: string[], options: T, settings: {allowPositionals?: boolean} = {}) {
  try {
    return parseArgs({args: argv, options, allowPositionals: settings.allowPositionals ?? true, strict: true});
  } catch (error) {
    throw new UsageError((error as Error).message, {fix: [`Run cpi-mtls ${command} --help for the options.`]});
  }
}
