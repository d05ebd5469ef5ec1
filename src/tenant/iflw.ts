/**
 * Reads an exported iFlow (the zip from `IntegrationDesigntimeArtifacts(...)/$value`) and
 * extracts its sender channels, with externalized `{{Param}}` values resolved from
 * `parameters.prop` (domain doc §11). Values whose format SAP does not document are handed on
 * raw and flagged, never interpreted.
 */
import {unzipSync} from 'fflate';
import {CpiMtlsError} from '../errors.js';
import {childrenNamed, descendantsNamed, parseXml, XmlSyntaxError, type XmlElement} from './xml.js';

export const BPMN2_NS = 'http://www.omg.org/spec/BPMN/20100524/MODEL';
export const IFL_NS = 'http:///com.sap.ifl.model/Ifl.xsd';

const IFLW_FOLDER = 'src/main/resources/scenarioflows/integrationflow/';
const PARAMETERS_FILE = 'src/main/resources/parameters.prop';
const MANIFEST_FILE = 'META-INF/MANIFEST.MF';
/** Guard against zip bombs: no file we read is anywhere near this. */
const MAX_ENTRY_BYTES = 32 * 1024 * 1024;

export interface SenderChannel {
  /** The channel's name (messageFlow `name`, else the `Name` property). */
  name: string;
  /** messageFlow id inside the model. */
  id: string;
  componentType: string;
  /** `RoleBased` (User Role), `ClientCertificate`, or another value as found; undefined when absent. */
  senderAuthType?: 'RoleBased' | 'ClientCertificate' | string;
  userRole?: string;
  /** OData sender `authentication` (`basic` / `certificate`). */
  odataAuthentication?: string;
  /** Address (`urlPath` for HTTPS, `address` for SOAP). */
  urlPath?: string;
  xsrfProtection?: boolean;
  /** The `clientCertificates` value as stored: SAP's serialization is not documented, so it is not parsed. */
  clientCertificatesRaw?: string;
  /** `{{Param}}` references without a value in parameters.prop. */
  unresolvedParameters: string[];
  /** Things that were found but are in a format this reader does not know. */
  unknownFormat: string[];
  /** Every ifl:property of the channel, parameters resolved. */
  properties: Record<string, string>;
}

export interface IflowArchive {
  iflowId: string;
  /** Bundle-Name from the manifest, when present. */
  iflowName?: string;
  iflwPath: string;
  parameters: Record<string, string>;
  senderChannels: SenderChannel[];
}

/** Parses Java `.properties` text (the format of parameters.prop). */
export function parseJavaProperties(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const physical = text.split(/\r\n|\r|\n/);
  for (let index = 0; index < physical.length; index++) {
    let line = physical[index]!.replace(/^[ \t\f]+/, '');
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    // A line ending in an odd number of backslashes continues on the next line.
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && index + 1 < physical.length) {
      index++;
      line = line.slice(0, -1) + physical[index]!.replace(/^[ \t\f]+/, '');
    }
    let keyEnd = 0;
    while (keyEnd < line.length) {
      const char = line[keyEnd]!;
      if (char === '\\') keyEnd += 2;
      else if (char === '=' || char === ':' || char === ' ' || char === '\t' || char === '\f') break;
      else keyEnd++;
    }
    const key = line.slice(0, keyEnd);
    let rest = line.slice(keyEnd).replace(/^[ \t\f]*/, '');
    if (rest.startsWith('=') || rest.startsWith(':')) rest = rest.slice(1).replace(/^[ \t\f]*/, '');
    result[unescapeProperties(key)] = unescapeProperties(rest);
  }
  return result;
}

function unescapeProperties(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_whole, escaped: string) => {
    if (escaped.length === 5) return String.fromCharCode(Number.parseInt(escaped.slice(1), 16));
    return ({t: '\t', n: '\n', r: '\r', f: '\f'} as Record<string, string>)[escaped] ?? escaped;
  });
}

function manifestValue(manifest: string, header: string): string | undefined {
  // Manifest lines are wrapped at 72 bytes; continuation lines start with one space.
  const unfolded = manifest.replace(/\r?\n /g, '');
  const match = new RegExp(`^${header}:\\s*(.*)$`, 'mi').exec(unfolded);
  return match?.[1]?.trim();
}

const PARAMETER_REFERENCE = /\{\{([-_a-zA-Z0-9.]+)\}\}/g;

function channelProperties(messageFlow: XmlElement): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const extension of childrenNamed(messageFlow, BPMN2_NS, 'extensionElements')) {
    for (const property of childrenNamed(extension, IFL_NS, 'property')) {
      const key = property.children.find((child) => child.localName === 'key')?.text.trim();
      const value = property.children.find((child) => child.localName === 'value')?.text ?? '';
      if (key) properties[key] = value.trim();
    }
  }
  return properties;
}

function parseFlag(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === '1' || value.toLowerCase() === 'true') return true;
  if (value === '0' || value.toLowerCase() === 'false') return false;
  return undefined;
}

function unknownFormatError(what: string, cause?: unknown): CpiMtlsError {
  return new CpiMtlsError('iflow-unknown-format', `The iFlow export has an unknown format: ${what}.`, {
    cause,
    fix: ['Check the sender channel in the Integration Suite web UI instead (Design → the iFlow → sender channel → Connection tab).'],
  });
}

/** Reads the iFlow model from an export zip and returns its sender channels. */
export function readIflowArchive(zip: Buffer | Uint8Array): IflowArchive {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip instanceof Uint8Array ? zip : new Uint8Array(zip), {
      filter: (file) => {
        const wanted = file.name === PARAMETERS_FILE || file.name === MANIFEST_FILE || (file.name.startsWith(IFLW_FOLDER) && file.name.endsWith('.iflw'));
        if (wanted && file.originalSize > MAX_ENTRY_BYTES) throw new Error(`${file.name} is larger than ${MAX_ENTRY_BYTES} bytes`);
        return wanted;
      },
    });
  } catch (error) {
    throw new CpiMtlsError('iflow-archive-invalid', `The iFlow download is not a readable zip archive (${error instanceof Error ? error.message : String(error)}).`, {
      cause: error,
      fix: ['Download the iFlow again; if it keeps failing, export it in the web UI (Design → package → Artifacts → Actions → Download) and pass the file.'],
    });
  }
  const decoder = new TextDecoder('utf-8');
  const manifest = files[MANIFEST_FILE] ? decoder.decode(files[MANIFEST_FILE]) : '';
  const symbolicName = manifestValue(manifest, 'Bundle-SymbolicName')?.split(';')[0]?.trim();
  const iflwPaths = Object.keys(files).filter((name) => name.endsWith('.iflw')).sort();
  if (!iflwPaths.length) {
    throw unknownFormatError(`no ${IFLW_FOLDER}*.iflw in the archive (is it an integration flow, not a value mapping or script collection?)`);
  }
  const iflwPath = iflwPaths.find((name) => symbolicName && name === `${IFLW_FOLDER}${symbolicName}.iflw`) ?? iflwPaths[0]!;
  const parameters = files[PARAMETERS_FILE] ? parseJavaProperties(decoder.decode(files[PARAMETERS_FILE])) : {};

  let root: XmlElement;
  try {
    root = parseXml(decoder.decode(files[iflwPath]));
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw unknownFormatError(`${iflwPath} is not well-formed XML: ${error.message}`, error);
    throw error;
  }
  if (root.namespace !== BPMN2_NS || root.localName !== 'definitions') {
    throw unknownFormatError(`the root element of ${iflwPath} is <${root.name}> in namespace "${root.namespace}", expected BPMN 2.0 definitions`);
  }

  const senderChannels: SenderChannel[] = [];
  for (const collaboration of childrenNamed(root, BPMN2_NS, 'collaboration')) {
    for (const messageFlow of descendantsNamed(collaboration, BPMN2_NS, 'messageFlow')) {
      const raw = channelProperties(messageFlow);
      const direction = raw.direction ?? (/direction::(\w+)/.exec(raw.cmdVariantUri ?? '')?.[1] ?? '');
      if (direction !== 'Sender' || !raw.ComponentType) continue;
      const unresolved = new Set<string>();
      const properties: Record<string, string> = {};
      for (const [key, value] of Object.entries(raw)) {
        properties[key] = value.replace(PARAMETER_REFERENCE, (whole, name: string) => {
          if (Object.hasOwn(parameters, name)) return parameters[name]!;
          unresolved.add(name);
          return whole;
        });
      }
      const unknownFormat: string[] = [];
      const componentType = properties.ComponentType!;
      const channel: SenderChannel = {
        name: messageFlow.attributes.name || properties.Name || messageFlow.attributes.id || componentType,
        id: messageFlow.attributes.id ?? '',
        componentType,
        unresolvedParameters: [...unresolved],
        unknownFormat,
        properties,
      };
      if (componentType === 'ODataSender' || componentType === 'OData') {
        if (properties.authentication) channel.odataAuthentication = properties.authentication;
      } else if (properties.senderAuthType !== undefined && properties.senderAuthType !== '') {
        channel.senderAuthType = properties.senderAuthType;
        if (!['RoleBased', 'ClientCertificate'].includes(properties.senderAuthType)) unknownFormat.push(`senderAuthType "${properties.senderAuthType}"`);
      } else if (properties.authenticationMethod) {
        // Some older SOAP variants are said to use authenticationMethod; not confirmed, so not mapped.
        unknownFormat.push(`authenticationMethod "${properties.authenticationMethod}" instead of senderAuthType`);
      }
      if (properties.userRole) channel.userRole = properties.userRole;
      const address = properties.urlPath ?? properties.address;
      if (address) channel.urlPath = address;
      const xsrf = parseFlag(properties.xsrfProtection);
      if (xsrf !== undefined) channel.xsrfProtection = xsrf;
      else if (properties.xsrfProtection) unknownFormat.push(`xsrfProtection "${properties.xsrfProtection}"`);
      if (properties.clientCertificates) channel.clientCertificatesRaw = properties.clientCertificates;
      senderChannels.push(channel);
    }
  }
  const fileId = iflwPath.slice(IFLW_FOLDER.length, -'.iflw'.length);
  return {
    iflowId: symbolicName || fileId,
    ...(manifestValue(manifest, 'Bundle-Name') ? {iflowName: manifestValue(manifest, 'Bundle-Name')} : {}),
    iflwPath,
    parameters,
    senderChannels,
  };
}
