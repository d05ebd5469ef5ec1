/** Input rules from SAP's documentation (sap-cloud-integration.md §2-3) and cf's own limits. */

/** Role names in Cloud Integration's User Roles monitor: letters, digits, `_` and `.`. */
export function validateRoleName(value: string): string | null {
  const role = value.trim();
  if (role === '') return 'Enter the role name exactly as it appears in Monitor → Manage Security → User Roles.';
  if (!/^[A-Za-z0-9_.]+$/.test(role)) return `"${role}" has characters a role name cannot have: use only letters, digits, "_" and ".".`;
  if (role.length > 64) return 'Role names longer than 64 characters are not accepted by the User Roles monitor.';
  return null;
}

/** Service instance names: at most 32 characters of [A-Za-z0-9._-] (SAP's CLI-friendly rule). */
export function validateInstanceName(value: string): string | null {
  return validateCfName(value, 'Enter a name for the service instance, for example cpi-inbound-s4hana.', 32, 'SAP allows at most 32.');
}

/** Service key names go to cf as an argument: keep them to the same safe set. */
export function validateKeyName(value: string): string | null {
  return validateCfName(value, 'Enter a name for the service key, for example s4hana-sender-2027.', 64, 'use at most 64.');
}

/** A name cf takes as an argument; one that starts with "-" would reach cf as an option ("-rf", "--help"). */
function validateCfName(value: string, empty: string, max: number, limit: string): string | null {
  const name = value.trim();
  if (name === '') return empty;
  if (name.length > max) return `The name has ${name.length} characters; ${limit}`;
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return 'Use only letters, digits, ".", "_" and "-" (no spaces).';
  return name.startsWith('-') ? `"${name}" starts with "-": cf would read it as an option. Start the name with a letter or digit.` : null;
}

export function validateEndpointPath(value: string): string | null {
  const p = value.trim();
  if (p === '') return 'Enter the endpoint path, for example /http/orders (the sender channel Address after /http).';
  if (/^https?:\/\//i.test(p)) return null;
  if (!p.startsWith('/')) return 'The path starts with "/", for example /http/orders.';
  if (/\s/.test(p)) return 'The path cannot contain spaces.';
  return null;
}

export function validateValidityDays(value: string): string | null {
  const n = Number(value.trim());
  if (!Number.isInteger(n) || n < 1 || n > 365) return 'SAP-generated certificates are valid for 1 to 365 days.';
  return null;
}

/** Derives a readable key name from a certificate's CN and expiry, e.g. s4hana-sender-2027-11. */
export function suggestKeyName(leaf: {subject: string; notAfter: string} | null | undefined): string {
  const base = ((leaf && commonNameOf(leaf.subject)) ?? 'client-certificate').toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'client-certificate';
  return leaf?.notAfter ? `${base}-${leaf.notAfter.slice(0, 7)}` : base;
}

/** The CN of an openssl-style one-line DN ("C=DE, O=Acme, CN=sender"). */
export function commonNameOf(dn: string): string | undefined {
  const match = /(?:^|[,/\n]\s*)CN\s*=\s*([^,/\n]+)/.exec(dn);
  return match?.[1]?.trim();
}
