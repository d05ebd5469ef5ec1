/**
 * The JSON parameters sent to the it-rt broker. Pure functions, so the wizard, the plan runner
 * and --dry-run all show and send exactly the same objects.
 */

export const IT_RT_OFFERING = 'it-rt';
export const IFLOW_PLAN = 'integration-flow';
export const DEFAULT_ROLE = 'ESBMessaging.send';
const DEPRECATED_GRANT = 'client_x509';

/** The file the User Roles monitor's "Download JSON" gives: {"roles":["..."]}. */
export function roleJson(role: string): {roles: string[]} {
  return {roles: [role]};
}

/**
 * Instance parameters (SAP's documented shape). Option 2 passes an explicit empty role list:
 * without `roles` the broker grants its default (ESBMessaging.send), and the partner's
 * certificate could then call every role-based integration flow of the tenant.
 */
export function instanceParameters(roles: string[]): Record<string, unknown> {
  return {
    roles,
    'grant-types': ['client_credentials'],
    'redirect-uris': [],
  };
}

export function externalCertificateKeyParameters(leafPem: string): Record<string, unknown> {
  // Leaf only, as one complete PEM block (SAP: "Don't enter the whole certificate chain").
  return {'key-type': 'certificate_external', 'X.509': leafPem.trim() + '\n'};
}

export function sapGeneratedKeyParameters(validityDays: number, keyLength: number): Record<string, unknown> {
  return {'key-type': 'certificate', validity: validityDays, 'key-length': keyLength};
}

export function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export interface InstanceAssessment {
  /** The instance cannot serve this setup at all (another offering or plan, a failed operation, roles Option 2 must not grant). */
  conflict: string | null;
  /** Its last operation failed: the platform keeps it, but it is no instance to use. */
  failedOperation: {type: string; description: string} | null;
  hasDeprecatedGrant: boolean;
  lacksClientCredentials: boolean;
  missingRoles: string[];
  roles: string[];
  parametersKnown: boolean;
  /** Parameters to send to make it fit, keeping what it has (full set: merge semantics are unconfirmed). */
  repairedParameters: Record<string, unknown> | null;
}

/**
 * Decides whether an existing instance fits the setup, and what an update would send. An empty
 * `wantedRoles` (Option 2) means: the instance must grant no role at all.
 */
export function assessInstance(
  instance: {planName?: string; offeringName?: string; parameters: Record<string, unknown> | null; lastOperation?: {type: string; state: string; description: string} | null},
  wantedRoles: string[],
): InstanceAssessment {
  const parameters = instance.parameters;
  const roles = stringArray(parameters?.roles);
  const op = instance.lastOperation;
  const failedOperation = op && op.state === 'failed' ? {type: op.type, description: op.description || 'the broker gave no reason'} : null;
  const noRolesWanted = wantedRoles.length === 0;
  const conflict =
    (instance.offeringName && instance.offeringName !== IT_RT_OFFERING) || (instance.planName && instance.planName !== IFLOW_PLAN)
      ? `It is an instance of ${instance.offeringName ?? '?'} / ${instance.planName ?? '?'}, not ${IT_RT_OFFERING} / ${IFLOW_PLAN}.`
      : failedOperation
        ? `Its last operation failed (${failedOperation.type} failed: ${failedOperation.description}). Cloud Foundry keeps such an instance, but it cannot hold working keys.`
        : noRolesWanted && (parameters === null || !Array.isArray(parameters.roles))
          ? parameters === null
            ? 'The broker does not return its parameters, so it cannot be shown to grant no role. Option 2 needs an instance without roles: use a new instance name.'
            : 'Its parameters carry no "roles" list, so the broker grants its default role (ESBMessaging.send). Option 2 needs "roles": []: use a new instance name.'
          : noRolesWanted && roles.length > 0
            ? `It grants the roles ${roles.join(', ')}. With Option 2 the certificate must get no role (it would be allowed to call every flow that checks one): use a new instance name.`
            : null;
  const grantTypes = stringArray(parameters?.['grant-types']);
  const hasDeprecatedGrant = grantTypes.includes(DEPRECATED_GRANT);
  const lacksClientCredentials = parameters !== null && !grantTypes.includes('client_credentials');
  const missingRoles = parameters === null ? [] : wantedRoles.filter(role => !roles.includes(role));
  const needsRepair = parameters !== null && (hasDeprecatedGrant || lacksClientCredentials || missingRoles.length > 0);
  let repairedParameters: Record<string, unknown> | null = null;
  if (needsRepair && parameters) {
    const keptGrants = grantTypes.filter(g => g !== DEPRECATED_GRANT);
    if (!keptGrants.includes('client_credentials')) keptGrants.unshift('client_credentials');
    const mergedRoles = [...roles, ...missingRoles];
    repairedParameters = {
      ...parameters,
      ...(mergedRoles.length > 0 ? {roles: mergedRoles} : {}),
      'grant-types': keptGrants,
      'redirect-uris': stringArray(parameters['redirect-uris']),
    };
  }
  return {conflict, failedOperation, hasDeprecatedGrant, lacksClientCredentials, missingRoles, roles, parametersKnown: parameters !== null, repairedParameters};
}

/** A field the broker stored otherwise than it was sent (roles, grant types), or null: SAP's procedure says to check them. */
export function parametersMismatch(sent: Record<string, unknown>, stored: Record<string, unknown> | null): {field: string; stored: unknown; sent: unknown} | null {
  if (stored === null) return null;
  const sorted = (value: unknown) => [...stringArray(value)].sort().join(',');
  const field = ['roles', 'grant-types'].find(f => f in sent && sorted(sent[f]) !== sorted(stored[f]));
  return field ? {field, stored: stored[field] ?? null, sent: sent[field]} : null;
}

/**
 * How a key counts in the duplicate scan, by its last operation: a failed create holds no
 * certificate ('skip'); one still in progress is not known yet ('unknown'); others are read.
 */
export function keyInScan(op: {type: string; state: string} | null | undefined): 'read' | 'skip' | 'unknown' {
  if (op && op.state === 'failed' && op.type === 'create') return 'skip';
  return op && op.state !== 'succeeded' ? 'unknown' : 'read';
}
