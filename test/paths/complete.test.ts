import {mkdir, mkdtemp, rm, symlink, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {completePath, expandHome} from '../../src/paths/complete.js';

const sep = path.sep;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'complete-'));
  await mkdir(path.join(dir, 'customer-files'));
  await mkdir(path.join(dir, 'certs'));
  await mkdir(path.join(dir, '.hidden'));
  for (const name of ['s4hana-sender.chain.pem', 's4hana-sender.crt.pem', 's4hana-sender.key.pem', 'root-ca.pem']) await writeFile(path.join(dir, 'customer-files', name), '');
  await writeFile(path.join(dir, 'certificate.p12'), '');
  await symlink(path.join(dir, 'customer-files'), path.join(dir, 'linked'), 'junction');
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(dir, {recursive: true, force: true});
});

describe('completePath', () => {
  it('completes a single file, and a folder with a trailing separator', async () => {
    expect(await completePath(path.join(dir, 'customer-files', 'root'))).toEqual({text: path.join(dir, 'customer-files', 'root-ca.pem'), candidates: []});
    expect(await completePath(path.join(dir, 'cust'))).toEqual({text: path.join(dir, 'customer-files') + sep, candidates: []});
    expect(await completePath(path.join(dir, 'lin'))).toEqual({text: path.join(dir, 'linked') + sep, candidates: []});
  });

  it('completes several matches to their common prefix and lists them', async () => {
    const folder = path.join(dir, 'customer-files') + sep;
    expect(await completePath(folder + 's4')).toEqual({text: folder + 's4hana-sender.', candidates: ['s4hana-sender.chain.pem', 's4hana-sender.crt.pem', 's4hana-sender.key.pem']});
    expect(await completePath(folder + 's4hana-sender.c')).toEqual({text: folder + 's4hana-sender.c', candidates: ['s4hana-sender.chain.pem', 's4hana-sender.crt.pem']});
    expect(await completePath(path.join(dir, 'cert'))).toEqual({text: path.join(dir, 'cert'), candidates: ['certificate.p12', `certs${sep}`]});
  });

  it('lists a folder without its hidden entries unless a dot is typed', async () => {
    expect((await completePath(dir + sep)).candidates).toEqual(['certificate.p12', `certs${sep}`, `customer-files${sep}`, `linked${sep}`]);
    expect(await completePath(path.join(dir, '.h'))).toEqual({text: path.join(dir, '.hidden') + sep, candidates: []});
  });

  it('completes relative to the working folder', async () => {
    expect(await completePath(`customer-files${sep}ro`, dir)).toEqual({text: `customer-files${sep}root-ca.pem`, candidates: []});
    expect(await completePath('cus', dir)).toEqual({text: `customer-files${sep}`, candidates: []});
  });

  it('reads ~ as the home folder and keeps ~ in the text', async () => {
    vi.stubEnv('HOME', dir);
    vi.stubEnv('USERPROFILE', dir);
    expect(await completePath('~/customer-files/ro')).toEqual({text: '~/customer-files/root-ca.pem', candidates: []});
    expect(await completePath('~/cus')).toEqual({text: '~/customer-files/', candidates: []});
    expect(await completePath('~')).toMatchObject({text: `~${sep}`, candidates: expect.arrayContaining([`customer-files${sep}`])});
    expect(expandHome('~/a.pem')).toBe(`${dir}/a.pem`);
    expect(expandHome('~other/a.pem')).toBe('~other/a.pem');
  });

  it('leaves the text alone when nothing matches or the folder cannot be read', async () => {
    expect(await completePath(path.join(dir, 'nothing'))).toEqual({text: path.join(dir, 'nothing'), candidates: []});
    expect(await completePath(path.join(dir, 'missing', 'x'))).toEqual({text: path.join(dir, 'missing', 'x'), candidates: []});
  });
});
