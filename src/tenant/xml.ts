/**
 * A small, namespace-aware, non-validating XML reader for iFlow models (`.iflw`).
 *
 * Why not a library: the .iflw must be matched by namespace URI (prefixes are only a
 * convention), which popular lightweight parsers do not resolve, and the subset needed here
 * (elements, attributes, text, CDATA, comments, processing instructions, the five predefined
 * entities and character references) is small. Document type declarations with an internal
 * subset are refused, so entity expansion attacks cannot happen.
 */

export interface XmlElement {
  /** Qualified name as written, e.g. `bpmn2:messageFlow`. */
  name: string;
  localName: string;
  /** Resolved namespace URI ('' when none). */
  namespace: string;
  /** Attributes by qualified name, values unescaped. */
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element. */
  text: string;
}

export class XmlSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} (at character ${offset})`);
    this.name = 'XmlSyntaxError';
  }
}

const PREDEFINED: Record<string, string> = {lt: '<', gt: '>', amp: '&', quot: '"', apos: "'"};
const NAME = /^[A-Za-z_][-A-Za-z0-9_.:]*/;

function decodeEntities(text: string, offset: number): string {
  return text.replace(/&([^;&\s]*);?/g, (whole, entity: string) => {
    if (!whole.endsWith(';')) throw new XmlSyntaxError(`Unterminated entity reference "${whole}"`, offset);
    if (entity.startsWith('#')) {
      const hex = entity[1] === 'x' || entity[1] === 'X';
      const code = Number.parseInt(entity.slice(hex ? 2 : 1), hex ? 16 : 10);
      if (!Number.isFinite(code)) throw new XmlSyntaxError(`Bad character reference &${entity};`, offset);
      return String.fromCodePoint(code);
    }
    const value = PREDEFINED[entity];
    if (value === undefined) throw new XmlSyntaxError(`Unknown entity &${entity};`, offset);
    return value;
  });
}

interface OpenElement {
  element: XmlElement;
  namespaces: Map<string, string>;
}

export function parseXml(source: string): XmlElement {
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  let position = 0;
  const stack: OpenElement[] = [];
  let root: XmlElement | undefined;
  const rootNamespaces = new Map<string, string>([['xml', 'http://www.w3.org/XML/1998/namespace']]);

  const expectEnd = (token: string, what: string): number => {
    const end = text.indexOf(token, position);
    if (end < 0) throw new XmlSyntaxError(`Unterminated ${what}`, position);
    return end;
  };

  while (position < text.length) {
    const lt = text.indexOf('<', position);
    const chunkEnd = lt < 0 ? text.length : lt;
    if (chunkEnd > position) {
      const chunk = text.slice(position, chunkEnd);
      const current = stack[stack.length - 1];
      if (current) current.element.text += decodeEntities(chunk, position);
      else if (chunk.trim()) throw new XmlSyntaxError('Text outside the root element', position);
      position = chunkEnd;
      continue;
    }
    if (text.startsWith('<!--', position)) {
      position = expectEnd('-->', 'comment') + 3;
    } else if (text.startsWith('<![CDATA[', position)) {
      const end = expectEnd(']]>', 'CDATA section');
      const current = stack[stack.length - 1];
      if (!current) throw new XmlSyntaxError('CDATA outside the root element', position);
      current.element.text += text.slice(position + 9, end);
      position = end + 3;
    } else if (text.startsWith('<?', position)) {
      position = expectEnd('?>', 'processing instruction') + 2;
    } else if (text.startsWith('<!DOCTYPE', position)) {
      const end = expectEnd('>', 'document type declaration');
      if (text.slice(position, end).includes('[')) throw new XmlSyntaxError('Document type declarations with an internal subset are not accepted', position);
      position = end + 1;
    } else if (text.startsWith('</', position)) {
      const end = expectEnd('>', 'end tag');
      const name = text.slice(position + 2, end).trim();
      const open = stack.pop();
      if (!open || open.element.name !== name) throw new XmlSyntaxError(`End tag </${name}> does not match <${open?.element.name ?? '(none)'}>`, position);
      position = end + 1;
    } else {
      position = parseStartTag(position);
    }
  }
  if (stack.length) throw new XmlSyntaxError(`Element <${stack[stack.length - 1]!.element.name}> is not closed`, text.length);
  if (!root) throw new XmlSyntaxError('No root element', 0);
  return root;

  function parseStartTag(start: number): number {
    let cursor = start + 1;
    const nameMatch = NAME.exec(text.slice(cursor, cursor + 256));
    if (!nameMatch) throw new XmlSyntaxError('Invalid element name', cursor);
    const name = nameMatch[0];
    cursor += name.length;
    const rawAttributes: Array<[string, string]> = [];
    let selfClosing = false;
    for (;;) {
      while (cursor < text.length && /\s/.test(text[cursor]!)) cursor++;
      if (cursor >= text.length) throw new XmlSyntaxError(`Unterminated start tag <${name}>`, start);
      if (text.startsWith('/>', cursor)) {
        selfClosing = true;
        cursor += 2;
        break;
      }
      if (text[cursor] === '>') {
        cursor += 1;
        break;
      }
      const attributeMatch = NAME.exec(text.slice(cursor, cursor + 256));
      if (!attributeMatch) throw new XmlSyntaxError(`Invalid attribute in <${name}>`, cursor);
      const attributeName = attributeMatch[0];
      cursor += attributeName.length;
      while (/\s/.test(text[cursor] ?? '')) cursor++;
      if (text[cursor] !== '=') throw new XmlSyntaxError(`Attribute ${attributeName} in <${name}> has no value`, cursor);
      cursor++;
      while (/\s/.test(text[cursor] ?? '')) cursor++;
      const quote = text[cursor];
      if (quote !== '"' && quote !== "'") throw new XmlSyntaxError(`Attribute ${attributeName} in <${name}> is not quoted`, cursor);
      const valueEnd = text.indexOf(quote, cursor + 1);
      if (valueEnd < 0) throw new XmlSyntaxError(`Unterminated value of attribute ${attributeName}`, cursor);
      const rawValue = text.slice(cursor + 1, valueEnd);
      if (rawValue.includes('<')) throw new XmlSyntaxError(`"<" in the value of attribute ${attributeName}`, cursor);
      if (rawAttributes.some(([existing]) => existing === attributeName)) throw new XmlSyntaxError(`Duplicate attribute ${attributeName}`, cursor);
      rawAttributes.push([attributeName, decodeEntities(rawValue, cursor)]);
      cursor = valueEnd + 1;
    }

    const parentNamespaces = stack[stack.length - 1]?.namespaces ?? rootNamespaces;
    let namespaces = parentNamespaces;
    const attributes: Record<string, string> = {};
    for (const [attributeName, value] of rawAttributes) {
      if (attributeName === 'xmlns' || attributeName.startsWith('xmlns:')) {
        if (namespaces === parentNamespaces) namespaces = new Map(parentNamespaces);
        namespaces.set(attributeName === 'xmlns' ? '' : attributeName.slice(6), value);
      }
      attributes[attributeName] = value;
    }
    const colon = name.indexOf(':');
    const prefix = colon < 0 ? '' : name.slice(0, colon);
    const namespace = namespaces.get(prefix);
    if (prefix && namespace === undefined) throw new XmlSyntaxError(`Namespace prefix "${prefix}" of <${name}> is not declared`, start);
    const element: XmlElement = {name, localName: colon < 0 ? name : name.slice(colon + 1), namespace: namespace ?? '', attributes, children: [], text: ''};
    const parent = stack[stack.length - 1];
    if (parent) parent.element.children.push(element);
    else if (root) throw new XmlSyntaxError('More than one root element', start);
    else root = element;
    if (!selfClosing) stack.push({element, namespaces});
    return cursor;
  }
}

/** Direct children with the given namespace URI and local name. */
export function childrenNamed(element: XmlElement, namespace: string, localName: string): XmlElement[] {
  return element.children.filter((child) => child.namespace === namespace && child.localName === localName);
}

/** All descendants (depth first) with the given namespace URI and local name. */
export function descendantsNamed(element: XmlElement, namespace: string, localName: string): XmlElement[] {
  const found: XmlElement[] = [];
  const visit = (node: XmlElement) => {
    for (const child of node.children) {
      if (child.namespace === namespace && child.localName === localName) found.push(child);
      visit(child);
    }
  };
  visit(element);
  return found;
}
