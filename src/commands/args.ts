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

/** Prints a command's help, word-wrapped to a terminal's width; its exit code is 0. */
export async function showHelp(io: {stdout: {write(text: string): unknown; isTTY?: boolean; columns?: number}}, help: string): Promise<number> {
  // Loaded only for a terminal: piped help needs no wrapping, and this module stays free of packages.
  const wrap = io.stdout.isTTY ? (await import('wrap-ansi')).default : undefined;
  io.stdout.write((wrap ? wrap(help, io.stdout.columns || 80, {hard: false, trim: false}) : help) + '\n');
  return 0;
}

/** The scenario of `--demo [scenario]` (the one argument it allows; default expiring), or undefined without --demo. */
export function demoScenario(command: string, positionals: string[], demo: boolean | undefined): string | undefined {
  if (positionals.length > (demo ? 1 : 0)) throw new UsageError(`Unexpected argument "${positionals.at(-1)}".`, {fix: [`Run cpi-mtls ${command} --help for the options.`]});
  return demo ? (positionals[0] ?? 'expiring') : undefined;
}

/** Reads a file named by an option; one that cannot be read is a usage error. */
export async function readOptionFile(file: string, what: string, fix: string): Promise<string> {
  try {
    // Loaded here: this module's static imports stay Node built-ins and errors.js (--help is fast).
    const {readFile} = await import('node:fs/promises');
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (error as Error).message}.`, {fix: [fix]});
  }
}
