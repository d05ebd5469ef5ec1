/**
 * The export formats of `cpi-mtls audit --format`: Prometheus text for node_exporter's textfile
 * collector, JUnit XML for CI servers. `text` and `json` stay with the command itself.
 */
import path from 'node:path';
import {UsageError} from '../errors.js';
import type {AuditReport} from '../lifecycle/audit.js';

export const AUDIT_FORMATS = ['text', 'json', 'prometheus', 'junit'] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

export function assertAuditFormat(value: string | undefined): AuditFormat | undefined {
  if (value === undefined) return undefined;
  if ((AUDIT_FORMATS as readonly string[]).includes(value)) return value as AuditFormat;
  throw new UsageError(`--format ${value}: give one of ${AUDIT_FORMATS.join(', ')}.`, {fix: ['For example: cpi-mtls audit --format prometheus > cpi-mtls.prom']});
}

export interface RenderedAudit {
  /** The document for stdout. */
  text: string;
  /** The file it is written to in --out, and under which name it is listed. */
  what: string;
  file: string;
  write(dir: string): Promise<string>;
}

/** The document of an export format; undefined for text and json (the command renders those). */
export async function renderAuditFormat(format: AuditFormat | undefined, report: AuditReport, options: {strict?: boolean} = {}): Promise<RenderedAudit | undefined> {
  if (format !== 'prometheus' && format !== 'junit') return undefined;
  const text = format === 'prometheus' ? (await import('./prometheus.js')).renderPrometheus(report) : (await import('./junit.js')).renderJunit(report, options);
  const file = format === 'prometheus' ? 'audit.prom' : 'audit-junit.xml';
  return {
    text,
    what: format,
    file,
    async write(dir: string) {
      // Atomic (temporary file, then rename): the textfile collector never reads half a file.
      const {writeFileAtomic} = await import('../lifecycle/common.js');
      const target = path.join(dir, file);
      await writeFileAtomic(target, text);
      return target;
    },
  };
}
