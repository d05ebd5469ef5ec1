/**
 * Distinguished names as SAP shows them (`CN=…,OU=…,O=…,C=DE`, most specific first) and a
 * tolerant comparison, because users copy DNs from openssl (`C=DE, O=…, CN=…`), from the
 * cockpit, from SAP error texts (lower case) and Node's X509Certificate (`C=DE\nO=…`).
 */

const SPECIAL = /[,+"\\<>;]/g;
const ATTRIBUTE_START = /^\s*(?:[A-Za-z][A-Za-z0-9.-]*|\d+(?:\.\d+)*)\s*=/;

/** Splits on separators that are not escaped with a backslash. */
function splitUnescaped(text: string, separators: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '\\' && i + 1 < text.length) {
      current += char + text[++i];
    } else if (separators.includes(char)) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

const TYPE_ALIASES: Record<string, string> = {EMAILADDRESS: 'E', EMAIL: 'E', ST: 'S'};

/**
 * Parses `CN=a,O=b`, `C=DE, O=b, CN=a`, `/C=DE/O=b/CN=a` or Node's line form (`C=DE\nO=b`).
 * A separator not followed by `TYPE=` belongs to the value (`O=Acme, Inc.`). Returns the
 * attributes in the written order, values unescaped.
 */
export function parseDn(dn: string): Array<{type: string; value: string}> {
  const text = dn.trim();
  const raw = text.startsWith('/') ? splitUnescaped(text.slice(1), '/') : text.includes('\n') ? text.split('\n') : splitUnescaped(text, ',;');
  const parts: string[] = [];
  for (const part of raw) {
    if (parts.length > 0 && !ATTRIBUTE_START.test(part)) parts[parts.length - 1] += `,${part}`;
    else parts.push(part);
  }
  return parts.flatMap(part => {
    const equals = part.indexOf('=');
    if (equals < 0) return [];
    const rawType = part.slice(0, equals).trim().toUpperCase();
    const value = part
      .slice(equals + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .replace(/\\(.)/g, '$1');
    return [{type: TYPE_ALIASES[rawType] ?? rawType, value}];
  });
}

const escapeValue = (value: string) => value.replace(SPECIAL, (c) => `\\${c}`);

/**
 * A comparison key: the attributes sorted, types upper case, values lower case with spacing
 * collapsed. Two DNs are the same when their keys are equal; a key is itself a DN with the same
 * key, so stored keys compare with fresh ones.
 */
export function dnKey(dn: string): string {
  return parseDn(dn)
    .map((attribute) => `${attribute.type}=${escapeValue(attribute.value.replace(/\s+/g, ' ').toLowerCase())}`)
    .sort()
    .join(',');
}

/** Same attributes and values, ignoring order, case and spacing. */
export function dnEquals(a: string, b: string): boolean {
  const left = dnKey(a);
  return left !== '' && left === dnKey(b);
}

/** Formats Node's X509Certificate subject/issuer (`C=DE\nO=x\nCN=y`, values escaped) the SAP way: `CN=y,O=x,C=DE`. */
export function formatSapDn(nodeDn: string): string {
  return nodeDn
    .split('\n')
    .filter((line) => line.includes('='))
    .map((line) => `${line.slice(0, line.indexOf('='))}=${escapeValue(line.slice(line.indexOf('=') + 1).replace(/\\(.)/g, '$1'))}`)
    .reverse()
    .join(',');
}

/** `C=DE\nO=Acme\nCN=x` (Node) → `C=DE, O=Acme, CN=x` (openssl's one-line form). */
export function oneLineDn(nodeDn: string): string {
  return nodeDn.split('\n').filter(Boolean).join(', ');
}
