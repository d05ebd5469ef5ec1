/**
 * Files that let others take the setup over, written with the other outputs: `terraform/` (the
 * instance and key as Terraform configuration that adopts them). Pure additions: a failure here
 * never hides the checklist, it is reported as a file note instead.
 */
import {copyFile, mkdir, writeFile} from 'node:fs/promises';
import path from 'node:path';
import type {FlowState} from '../../flows/types.js';
import {modelOfSetup, renderHcl, TERRAFORM_README, tfJson} from './terraform.js';

export async function writeTerraform(dir: string, state: FlowState, leafFile: string | undefined, format: 'hcl' | 'tf-json' = 'hcl'): Promise<Record<string, string>> {
  const model = modelOfSetup(state, 'client-leaf.pem');
  if (!model) return {};
  await mkdir(dir, {recursive: true});
  const files: Record<string, string> = {};
  const main = path.join(dir, format === 'hcl' ? 'main.tf' : 'main.tf.json');
  await writeFile(main, format === 'hcl' ? renderHcl(model) : JSON.stringify(tfJson(model), null, 2) + '\n');
  files[format === 'hcl' ? 'terraform' : 'terraformJson'] = main;
  await writeFile(path.join(dir, 'README.md'), TERRAFORM_README);
  if (leafFile && model.instances.some(i => i.keys.some(k => k.kind === 'external'))) await copyFile(leafFile, path.join(dir, 'client-leaf.pem'));
  return files;
}

/** Everything for the hand-over; `files` are the outputs written so far (leaf, PKCS#12, root). */
export async function writeHandoverOutputs(state: FlowState, outputDir: string, files: Record<string, string>): Promise<Record<string, string>> {
  const written: Record<string, string> = {};
  try {
    Object.assign(written, await writeTerraform(path.join(outputDir, 'terraform'), state, files.leafCertificate));
  } catch (error) {
    written.terraformError = `not written: ${error instanceof Error ? error.message : String(error)}`;
  }
  return written;
}
