/**
 * Distinguished names as SAP shows them (`CN=…,OU=…,O=…,C=DE`, most specific first) and a
 * tolerant comparison, because users copy DNs from openssl (`C=DE, O=…, CN=…`), from the
 * cockpit and from SAP error texts (lower case).
 */

const SPECIAL = /[,+"\\<>;]/g;

/** Splits on separators that are not escaped with a backslash. */
function splitUnescaped(text: string, separators: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '\\' && i + 1 < text.length) {
      current += char + text[i + 1];
      i++;
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

const TYPE_ALIASES: Record<string, string> = {
  EMAILADDRESS: 'E',
  EMAIL: 'E',
  ST: 'S',
  STREET: 'STREET',
  SERIALNUMBER: 'SERIALNUMBER',
};

export interface DnAttribute {
  type: string;
  value: string;
}

/**
 * Parses `CN=a,O=b`, `C=DE, O=b, CN=a`, `/C=DE/O=b/CN=a` or Node's line form (`C=DE\nO=b`).
 * Returns the attributes in the written order.
 */
export function parseDn(dn: string): DnAttribute[] {
  const text = dn.trim();
  const parts = text.startsWith('/') ? splitUnescaped(text.slice(1), '/') : splitUnescaped(text, ',;\n');
  const attributes: DnAttribute[] = [];
  for (const part of parts) {
    if (!part.trim()) continue;
    const equals = part.indexOf('=');
    if (equals < 0) continue;
    const rawType = part.slice(0, equals).trim().toUpperCase();
    const value = part
      .slice(equals + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .replace(/\\(.)/g, '$1');
    attributes.push({type: TYPE_ALIASES[rawType] ?? rawType, value});
  }
  return attributes;
}

/** Same attributes and values, ignoring order, case and spacing. */
export function dnEquals(a: string, b: string): boolean {
  const canonical = (dn: string) =>
    parseDn(dn)
      .map((attribute) => `${attribute.type}=${attribute.value.replace(/\s+/g, ' ').toLowerCase()}`)
      .sort()
      .join('\u0000');
  const left = canonical(a);
  return left !== '' && left === canonical(b);
}

/** Formats Node's X509Certificate subject/issuer (`C=DE\nO=x\nCN=y`) the SAP way: `CN=y,O=x,C=DE`. */
export function formatSapDn(nodeDn: string): string {
  return nodeDn
    .split('\n')
    .filter((line) => line.includes('='))
    .map((line) => {
      const equals = line.indexOf('=');
      return `${line.slice(0, equals)}=${line.slice(equals + 1).replace(SPECIAL, (c) => `\\${c}`)}`;
    })
    .reverse()
    .join(',');
}
