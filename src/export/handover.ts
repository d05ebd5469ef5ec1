/**
 * Files that let others take the setup over, written with the other outputs: `terraform/` (the
 * instance and key as Terraform configuration that adopts them) and the sender's own test
 * (`sender-test.sh`, `sender-test.ps1`). Pure additions: a failure here never hides the
 * checklist, it is reported as a file note instead.
 */
import {mkdir, readFile, rm, stat, writeFile} from 'node:fs/promises';
import path from 'node:path';
import type {FlowState} from '../../flows/types.js';
import {modelOfSetup, renderHcl, TERRAFORM_README, tfJson, type TfModel} from './terraform.js';
import {senderTestPs1, senderTestSh} from './sender-test.js';

export type TfFormat = 'hcl' | 'tf-json';
/** Beside the configuration: what `cpi-mtls export terraform` reads to write it again (Terraform ignores it). */
export const MODEL_FILE = 'cpi-mtls-model.json';

/** main.tf (or main.tf.json), README.md, the model and the certificate files the keys read; returns main's path. */
export async function writeTerraformFiles(dir: string, model: TfModel, format: TfFormat, pems: Record<string, string>): Promise<string> {
  await mkdir(dir, {recursive: true});
  const [main, other] = format === 'hcl' ? ['main.tf', 'main.tf.json'] : ['main.tf.json', 'main.tf'];
  // Both syntaxes in one folder would declare every resource twice.
  await rm(path.join(dir, other), {force: true});
  await writeFile(path.join(dir, main), format === 'hcl' ? renderHcl(model) : JSON.stringify(tfJson(model), null, 2) + '\n');
  await writeFile(path.join(dir, 'README.md'), TERRAFORM_README);
  await writeFile(path.join(dir, MODEL_FILE), JSON.stringify(model, null, 2) + '\n');
  for (const [name, pem] of Object.entries(pems)) await writeFile(path.join(dir, name), pem.trim() + '\n');
  return path.join(dir, main);
}

async function writeTerraform(dir: string, state: FlowState, leafFile: string | undefined): Promise<Record<string, string>> {
  const model = modelOfSetup(state, 'client-leaf.pem');
  if (!model) return {};
  const external = leafFile && model.instances.some(i => i.keys.some(k => k.kind === 'external'));
  return {terraform: await writeTerraformFiles(dir, model, 'hcl', external ? {'client-leaf.pem': await readFile(leafFile, 'utf8')} : {})};
}

/** Only with a PKCS#12 (external or SAP-generated key): without the client key pair there is nothing to call with. */
async function writeSenderTests(dir: string, state: FlowState, files: Record<string, string>): Promise<Record<string, string>> {
  if (!files.pkcs12) return {};
  const relative = (file: string | undefined) => file && path.relative(dir, file).split(path.sep).join('/');
  // curl wants the root as PEM; the live test saves it beside the DER file the checklist names.
  const rootPem = files.loadBalancerRoot?.replace(/\.(cer|crt|der)$/i, '.pem');
  const rootCa = rootPem && (await stat(rootPem).then(() => rootPem, () => undefined));
  const test = {
    url: state.facts.probe?.url,
    method: state.answers.liveTest?.method ?? 'GET',
    pkcs12: relative(files.pkcs12)!,
    passwordFile: relative(files.pkcs12Password),
    rootCa: relative(rootCa),
  };
  const written = {senderTestSh: path.join(dir, 'sender-test.sh'), senderTestPs1: path.join(dir, 'sender-test.ps1')};
  // No secrets inside: readable and executable like any script.
  await writeFile(written.senderTestSh, senderTestSh(test), {mode: 0o755});
  await writeFile(written.senderTestPs1, senderTestPs1(test));
  return written;
}

/** Everything for the hand-over; `files` are the outputs written so far (leaf, PKCS#12, root). */
export async function writeHandoverOutputs(state: FlowState, outputDir: string, files: Record<string, string>): Promise<Record<string, string>> {
  const written: Record<string, string> = {};
  for (const [what, write] of [
    ['terraform', () => writeTerraform(path.join(outputDir, 'terraform'), state, files.leafCertificate)],
    ['senderTest', () => writeSenderTests(outputDir, state, files)],
  ] as const) {
    try {
      Object.assign(written, await write());
    } catch (error) {
      written[`${what}Error`] = `not written: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return written;
}
