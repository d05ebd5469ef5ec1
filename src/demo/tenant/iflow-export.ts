/**
 * Builds the design-time export (zip) of a demo iFlow the way Cloud Integration exports it:
 * a bundle with the `.iflw` BPMN model and `parameters.prop` for externalized values. The
 * sender channel carries the same `ifl:property` keys a real HTTPS or SOAP sender does.
 */
import {strToU8, zipSync} from 'fflate';

export interface ExportedIflow {
  id: string;
  name: string;
  /** The sender channel's Address, e.g. `/demo/orders`. */
  path: string;
  adapter: 'HTTPS' | 'SOAP';
  senderAuthType: 'RoleBased' | 'ClientCertificate';
  /** Role checked for RoleBased channels; default SAP_DEFAULT_ROLE. */
  userRole?: string;
  /** Option 2: subject DN + issuer DN pairs accepted by the channel. */
  allowedCertificates?: Array<{subjectDN: string; issuerDN: string}>;
  xsrfProtection?: boolean;
  version?: string;
  /** Write the role as the externalized parameter `{{SenderRole}}`; when no iFlow sets this, the first RoleBased one does. */
  externalizeRole?: boolean;
}

/** SAP's pre-delivered role, spelt here: the stand-in must not agree with a wrong product constant. */
const SAP_DEFAULT_ROLE = 'ESBMessaging.send';
const xmlEscape = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function property(key: string, value: string): string {
  const element = value === '' ? '<value/>' : `<value>${xmlEscape(value)}</value>`;
  return `                <ifl:property>\n                    <key>${key}</key>\n                    ${element}\n                </ifl:property>`;
}

/**
 * How the demo serializes the certificate list of a "Client Certificate" channel. SAP's real
 * serialization is not publicly documented, so this is a stand-in; readers must treat the value
 * as opaque ("unknown format"), which is exactly what src/tenant/iflw.ts does.
 */
function demoClientCertificatesValue(list: Array<{subjectDN: string; issuerDN: string}>): string {
  return list.map((entry) => `subject=${entry.subjectDN}|issuer=${entry.issuerDN}`).join(';');
}

function renderIflw(iflow: ExportedIflow): string {
  const role = iflow.senderAuthType === 'RoleBased' ? (iflow.externalizeRole ? '{{SenderRole}}' : iflow.userRole ?? SAP_DEFAULT_ROLE) : '';
  const certificates = iflow.senderAuthType === 'ClientCertificate' ? demoClientCertificatesValue(iflow.allowedCertificates ?? []) : '';
  const https = iflow.adapter === 'HTTPS';
  const version = https ? '1.5.2' : '1.9.0';
  const senderProperties = [
    property('ComponentType', iflow.adapter),
    property('Description', ''),
    https ? property('maximumBodySize', '40') : property('maximumAttachmentSize', '100'),
    property('ComponentNS', 'sap'),
    property('Name', iflow.adapter),
    property('TransportProtocolVersion', version),
    property('ComponentSWCVName', 'external'),
    https ? property('urlPath', iflow.path) : property('address', iflow.path),
    property('ComponentSWCVId', version),
    property('TransportProtocol', https ? 'HTTPS' : 'HTTP'),
    property(
      'cmdVariantUri',
      https
        ? `ctype::AdapterVariant/cname::sap:HTTPS/tp::HTTPS/mp::None/direction::Sender/version::${version}`
        : `ctype::AdapterVariant/cname::sap:SOAP/tp::HTTP/mp::SOAP 1.x/direction::Sender/version::${version}`,
    ),
    property('userRole', role),
    property('senderAuthType', iflow.senderAuthType),
    property('MessageProtocol', https ? 'None' : 'SOAP 1.x'),
    property('MessageProtocolVersion', version),
    property('direction', 'Sender'),
    ...(https ? [property('xsrfProtection', iflow.xsrfProtection ? '1' : '0')] : []),
    property('clientCertificates', certificates),
  ].join('\n');

  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn2:definitions xmlns:bpmn2="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:ifl="http:///com.sap.ifl.model/Ifl.xsd" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_1">
    <bpmn2:collaboration id="Collaboration_1" name="Default Collaboration">
        <bpmn2:extensionElements>
${property('namespaceMapping', '')}
${property('httpSessionHandling', 'None')}
${property('cmdVariantUri', 'ctype::IFlowVariant/cname::IFlowConfiguration/version::1.2.4')}
        </bpmn2:extensionElements>
        <bpmn2:participant id="Participant_1" ifl:type="EndpointSender" name="Sender">
            <bpmn2:extensionElements>
${property('enableBasicAuthentication', 'false')}
${property('ifl:type', 'EndpointSender')}
            </bpmn2:extensionElements>
        </bpmn2:participant>
        <bpmn2:participant id="Participant_Process_1" ifl:type="IntegrationProcess" name="Integration Process" processRef="Process_1">
            <bpmn2:extensionElements/>
        </bpmn2:participant>
        <bpmn2:messageFlow id="MessageFlow_10" name="${iflow.adapter}" sourceRef="Participant_1" targetRef="StartEvent_2">
            <bpmn2:extensionElements>
${senderProperties}
            </bpmn2:extensionElements>
        </bpmn2:messageFlow>
    </bpmn2:collaboration>
    <bpmn2:process id="Process_1" name="Integration Process">
        <bpmn2:extensionElements>
${property('transactionTimeout', '30')}
${property('transactionalHandling', 'Not Required')}
        </bpmn2:extensionElements>
        <bpmn2:startEvent id="StartEvent_2" name="Start">
            <bpmn2:outgoing>SequenceFlow_3</bpmn2:outgoing>
            <bpmn2:messageEventDefinition/>
        </bpmn2:startEvent>
        <bpmn2:endEvent id="EndEvent_2" name="End">
            <bpmn2:incoming>SequenceFlow_3</bpmn2:incoming>
            <bpmn2:messageEventDefinition/>
        </bpmn2:endEvent>
        <bpmn2:sequenceFlow id="SequenceFlow_3" sourceRef="StartEvent_2" targetRef="EndEvent_2"/>
    </bpmn2:process>
</bpmn2:definitions>
`;
}

/** Java properties escaping for parameters.prop values. */
function propertiesEscape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/([:=#!])/g, '\\$1').replace(/\n/g, '\\n');
}

export function buildIflowArchive(iflow: ExportedIflow, now = new Date()): Buffer {
  const version = iflow.version ?? '1.0.0';
  const parameters: string[] = ['#Store externalized parameters', `#${now.toUTCString()}`];
  if (iflow.senderAuthType === 'RoleBased' && iflow.externalizeRole) {
    parameters.push(`SenderRole=${propertiesEscape(iflow.userRole ?? SAP_DEFAULT_ROLE)}`);
  }
  const manifest = [
    'Manifest-Version: 1.0',
    `Bundle-SymbolicName: ${iflow.id}; singleton:=true`,
    `Bundle-Name: ${iflow.name}`,
    `Bundle-Version: ${version}`,
    'Bundle-ManifestVersion: 2',
    'SAP-BundleType: IntegrationFlow',
    'SAP-NodeType: IFLMAP',
    'SAP-RuntimeProfile: iflmap',
    '',
  ].join('\r\n');
  const files = {
    'META-INF/MANIFEST.MF': strToU8(manifest),
    'metainfo.prop': strToU8(`#Store metainfo properties\n#${now.toUTCString()}\ndescription=Demo iFlow ${propertiesEscape(iflow.name)}\n`),
    'src/main/resources/parameters.prop': strToU8(parameters.join('\n') + '\n'),
    [`src/main/resources/scenarioflows/integrationflow/${iflow.id}.iflw`]: strToU8(renderIflw(iflow)),
  };
  return Buffer.from(zipSync(files, {level: 6, mtime: now}));
}
