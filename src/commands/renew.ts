import type {CommandIo} from '../lifecycle/cli.js';

export async function runRenewCommand(_argv: string[], io: CommandIo): Promise<number> {
  io.stderr.write('Not available yet.\n');
  return 2;
}
