import {describe, expect, it} from 'vitest';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {strToU8, zipSync} from 'fflate';
import {parseJavaProperties, readIflowArchive} from '../../src/tenant/iflw.js';
import {parseXml, XmlSyntaxError} from '../../src/tenant/xml.js';
import {buildIflowArchive} from '../../src/demo/tenant/iflow-export.js';
import {CpiMtlsError} from '../../src/errors.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');
const FOLDER = 'src/main/resources/scenarioflows/integrationflow/';

function archive(files: Record<string, string>): Buffer {
  return Buffer.from(zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, strToU8(text)]))));
}

describe('parameters.prop', () => {
  it('parses Java properties with comments, escapes, continuations and unicode', () => {
    const parameters = parseJavaProperties(fixture('Orders_Inbound.parameters.prop'));
    expect(parameters).toEqual({
      Sender_Address: '/s4/orders/*',
      SenderRole: 'Orders.Send',
      CSRF: '1',
      Receiver_Address: 'https://backend.example.com/orders',
      Description_With_Continuation: 'first part second part',
      Umlaut: 'München',
    });
  });
});

describe('readIflowArchive', () => {
  it('reads the sender channel and resolves externalized parameters', () => {
    const result = readIflowArchive(archive({
      'META-INF/MANIFEST.MF': 'Manifest-Version: 1.0\r\nBundle-SymbolicName: Orders_Inbound; singleton:=true\r\nBundle-Name: Orders In\r\n bound\r\n',
      'src/main/resources/parameters.prop': fixture('Orders_Inbound.parameters.prop'),
      [`${FOLDER}Orders_Inbound.iflw`]: fixture('Orders_Inbound.iflw'),
    }));
    expect(result.iflowId).toBe('Orders_Inbound');
    expect(result.iflowName).toBe('Orders Inbound');
    expect(result.senderChannels).toHaveLength(1);
    const [channel] = result.senderChannels;
    expect(channel).toMatchObject({
      name: 'HTTPS',
      componentType: 'HTTPS',
      senderAuthType: 'RoleBased',
      userRole: 'Orders.Send',
      urlPath: '/s4/orders/*',
      xsrfProtection: true,
      unresolvedParameters: [],
      unknownFormat: [],
    });
    expect(channel!.clientCertificatesRaw).toBeUndefined();
  });

  it('matches namespaces by URI, reports undocumented values raw, and lists unresolved parameters', () => {
    const result = readIflowArchive(archive({[`${FOLDER}Legacy_Soap.iflw`]: fixture('Legacy_Soap.iflw')}));
    expect(result.iflowId).toBe('Legacy_Soap');
    expect(result.senderChannels.map((channel) => channel.name)).toEqual(['SOAP from legacy', 'OData', 'Old SOAP']);
    const [soap, odata, old] = result.senderChannels;
    expect(soap).toMatchObject({componentType: 'SOAP', senderAuthType: 'ClientCertificate', urlPath: '/legacy/orders', clientCertificatesRaw: 'MIIBxTCCAW+gAwIBAgIUB2xLcZ<opaque>'});
    expect(soap!.userRole).toBeUndefined();
    expect(odata).toMatchObject({componentType: 'ODataSender', odataAuthentication: 'basic'});
    expect(odata!.senderAuthType).toBeUndefined();
    expect(old!.senderAuthType).toBeUndefined();
    expect(old!.unknownFormat[0]).toContain('authenticationMethod');
    expect(old!.unresolvedParameters).toEqual(['MissingRole']);
    expect(old!.userRole).toBe('{{MissingRole}}');
  });

  it('reads what the demo tenant exports', () => {
    const zip = buildIflowArchive({id: 'Demo_Orders', name: 'Demo Orders', path: '/demo/orders', adapter: 'HTTPS', senderAuthType: 'RoleBased', userRole: 'Order.Send', externalizeRole: true});
    const result = readIflowArchive(zip);
    expect(result.iflowId).toBe('Demo_Orders');
    expect(result.parameters.SenderRole).toBe('Order.Send');
    expect(result.senderChannels[0]).toMatchObject({senderAuthType: 'RoleBased', userRole: 'Order.Send', urlPath: '/demo/orders', xsrfProtection: false});
  });

  it('rejects input that is not a zip', () => {
    expect(() => readIflowArchive(Buffer.from('<html>login page</html>'))).toThrow(CpiMtlsError);
    try {
      readIflowArchive(Buffer.from('not a zip'));
    } catch (error) {
      expect((error as CpiMtlsError).code).toBe('iflow-archive-invalid');
    }
  });

  it('reports an unknown format for archives without an iflw, malformed XML or a non-BPMN root', () => {
    const codeOf = (files: Record<string, string>) => {
      try {
        readIflowArchive(archive(files));
        return 'no error';
      } catch (error) {
        return `${(error as CpiMtlsError).code}: ${(error as Error).message}`;
      }
    };
    expect(codeOf({'src/main/resources/script/a.groovy': 'x'})).toMatch(/^iflow-unknown-format: .*no src\/main\/resources\/scenarioflows/);
    expect(codeOf({[`${FOLDER}a.iflw`]: '<bpmn2:definitions xmlns:bpmn2="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn2:collaboration></bpmn2:definitions>'})).toMatch(/^iflow-unknown-format: .*not well-formed/);
    expect(codeOf({[`${FOLDER}a.iflw`]: '<definitions xmlns="urn:other"/>'})).toMatch(/^iflow-unknown-format: .*expected BPMN/);
  });
});

describe('xml reader', () => {
  it('resolves default and prefixed namespaces, entities and CDATA', () => {
    const root = parseXml('<?xml version="1.0"?><a xmlns="urn:a" xmlns:b="urn:b"><b:c x="1 &lt; 2">t&amp;u<![CDATA[<raw>]]>&#x41;&#66;</b:c><d/></a>');
    expect(root).toMatchObject({localName: 'a', namespace: 'urn:a'});
    expect(root.children[0]).toMatchObject({localName: 'c', namespace: 'urn:b', text: 't&u<raw>AB', attributes: {x: '1 < 2'}});
    expect(root.children[1]).toMatchObject({localName: 'd', namespace: 'urn:a'});
  });

  it('refuses internal DTD subsets, unknown entities, undeclared prefixes and mismatched tags', () => {
    expect(() => parseXml('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')).toThrow(XmlSyntaxError);
    expect(() => parseXml('<a>&nbsp;</a>')).toThrow(/Unknown entity/);
    expect(() => parseXml('<p:a/>')).toThrow(/not declared/);
    expect(() => parseXml('<a><b></a>')).toThrow(/does not match/);
    expect(() => parseXml('<a/><b/>')).toThrow(/More than one root/);
  });
});
