/**
 * The Neo migration plan (`cpi-mtls migrate-neo --plan <file>`): where the mappings and roles
 * come from, roles per user and instance names per role set. Instance names are checked by
 * the command with the message it gives for every name (instanceNames["<roles>"] "<name>": …).
 */
import {z} from 'zod';
import {flag, got, mapping, text} from './problems.js';

export const migrateNeoPlanSchema = mapping(
  {
    source: z.enum(['api', 'file'], {error: () => 'expected "api" (the Neo API) or "file" (an export of the mappings)'}).optional(),
    neoUrl: text().optional().describe('Neo tenant management URL (…-tmn.hci.<region>.hana.ondemand.com).'),
    neoUser: text().optional().describe('Neo user; CPI_MTLS_NEO_USER overrides it.'),
    neoPassword: text().optional().describe('Neo password; prefer CPI_MTLS_NEO_PASSWORD, which keeps it out of the plan.'),
    mappingsFile: text().optional().describe('Export of GET /api/v1/CertificateUserMappings, relative to the plan file.'),
    rolesFile: text().optional().describe('JSON {"<user>": ["<role>", …]}, relative to the plan file.'),
    userRoles: z
      .record(z.string(), z.array(text(), {error: issue => `expected a list of role names, got ${got(issue.input)}`}), {error: () => 'expected a mapping of user to a list of role names'})
      .optional()
      .describe('Roles per user, instead of rolesFile.'),
    instanceNames: z
      .record(z.string(), text(), {error: () => 'expected a mapping of role set (roles joined with "|") to instance name'})
      .optional()
      .describe('The instance name per role set (key: the roles joined with "|").'),
    apply: flag().optional().describe('Apply the plan without asking (--yes).'),
  },
  'expected a mapping with fields such as mappingsFile, userRoles, instanceNames',
).meta({title: 'cpi-mtls Neo migration plan', description: 'The answers of `cpi-mtls migrate-neo --plan <file>`; paths are relative to the plan file.'});

