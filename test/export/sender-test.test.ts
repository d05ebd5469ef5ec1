import {execFileSync} from 'node:child_process';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startDemoLandscape, type DemoLandscape} from '../../src/demo/landscape.js';
import {senderTestPs1} from '../../src/export/sender-test.js';
import {applyDemoOption1} from '../helpers/demo-apply.js';

const has = (command: string) => {
  try {
    execFileSync(command, ['--version'], {stdio: 'ignore'});
    return true;
  } catch {
    return false;
  }
};
const HAS_SHELL = has('bash') && has('curl');
const HAS_PWSH = has('pwsh');

let dir: string;
let landscape: DemoLandscape | undefined;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cpi-mtls-sender-test-'));
});
afterAll(async () => {
  await landscape?.stop();
  await rm(dir, {recursive: true, force: true});
});

describe('sender test scripts', () => {
  it.skipIf(!HAS_SHELL)('a demo setup writes sender-test.sh, and it gets HTTP 200 from the running demo tenant', {timeout: 120_000}, async () => {
    const {home, out, run} = await applyDemoOption1(dir, 'exportPkcs12: modern\n');
    expect(run.exitCode, run.stderr + run.stdout).toBe(0);

    const checklist = JSON.parse(await readFile(path.join(out, 'checklist.json'), 'utf8'));
    expect(checklist.items.find((i: {id: string}) => i.id === 'sender-test')).toMatchObject({status: 'todo'});
    const script = await readFile(path.join(out, 'sender-test.sh'), 'utf8');
    const password = (await readFile(path.join(out, 'sender.p12.password.txt'), 'utf8')).trim();
    expect(script).not.toContain(password);

    // The tenant stopped with the apply; started again it listens on a new port, hence the URL argument.
    landscape = await startDemoLandscape({scenario: 'happy', home});
    const url = `${landscape.tenant.runtimeUrl}/http/demo/orders`;
    const ok = await execa('bash', [path.join(out, 'sender-test.sh'), url], {reject: false, stdin: 'ignore'});
    expect(ok.stdout.trim(), ok.stderr).toBe('HTTP 200');
    expect(ok.exitCode).toBe(0);
    const missing = await execa('bash', [path.join(out, 'sender-test.sh'), `${landscape.tenant.runtimeUrl}/http/demo/none`], {reject: false, stdin: 'ignore'});
    expect(missing.stdout.trim()).toBe('HTTP 404');
    expect(missing.exitCode).not.toBe(0);
  });

  it('sender-test.ps1 holds no password, reads it from the file or asks, and parses', async () => {
    const text = senderTestPs1({url: 'https://tenant.example/http/orders', method: 'POST', pkcs12: 'sender.p12', passwordFile: 'sender.p12.password.txt', rootCa: 'root.pem'});
    expect(text).not.toMatch(/-Password\s+['"]|\$password\s*=\s*['"]/i);
    expect(text).toContain('Get-Content -LiteralPath $passwordFile');
    expect(text).toContain('Read-Host -AsSecureString');
    expect(text).toMatch(/Invoke-WebRequest -Uri \$Url -Method POST -Certificate \$cert/);
    // Structure without pwsh: balanced braces and parentheses, one param block first.
    const code = text.replace(/^\s*#.*$/gm, '').replace(/'[^']*'/g, "''");
    for (const [open, close] of [['{', '}'], ['(', ')']]) expect(code.split(open).length).toBe(code.split(close).length);
    expect(code.trim().startsWith('param(')).toBe(true);
    if (HAS_PWSH) {
      const file = path.join(dir, 'sender-test.ps1');
      await writeFile(file, text);
      const parse = await execa('pwsh', ['-NoProfile', '-Command', `$e = $null; [void][System.Management.Automation.Language.Parser]::ParseFile('${file}', [ref]$null, [ref]$e); if ($e.Count) { $e | ForEach-Object Message; exit 1 }`], {reject: false});
      expect(parse.exitCode, parse.stdout + parse.stderr).toBe(0);
    }
  });
});
