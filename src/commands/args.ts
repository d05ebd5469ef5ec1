/** Command-line parsing shared by the subcommands: node:util parseArgs, with usage errors that say where the options are listed. */
import {parseArgs} from 'node:util';
import {UsageError} from '../errors.js';

type OptionSpec = Record<string, {type: 'string' | 'boolean'; multiple?: boolean; short?: string}>;

/** Options every command takes. */
export const COMMON_OPTIONS = {json: {type: 'boolean'}, 'no-color': {type: 'boolean'}, help: {type: 'boolean', short: 'h'}} as const;
/** Options of the commands that drive cf: another cf binary, the embedded demo landscape, where the files go. */
export const CF_OPTIONS = {...COMMON_OPTIONS, cf: {type: 'string'}, demo: {type: 'boolean'}, out: {type: 'string'}} as const;

export function parseCommandArgs<T extends OptionSpec>(command: string, argv: string[], options: T, settings: {allowPositionals?: boolean} = {}) {
  try {
    return parseArgs({args: argv, options, allowPositionals: settings.allowPositionals ?? true, strict: true});
  } catch (error) {
    throw new UsageError((error as Error).message, {fix: [`Run cpi-mtls ${command} --help for the options.`]});
  }
}
