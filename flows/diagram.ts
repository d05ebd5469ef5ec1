/**
 * The landscape as a picture model: the sender (keystore, trust store), SAP's load balancer, the
 * Cloud Integration runtime and the service instance with its keys, and the client certificate's
 * path through them. Every status comes from the facts the flow collected (certificate checks,
 * duplicate scan, service key, live test), so which part failed is decided here and the view
 * only draws it.
 */
import type {CertificateCheck} from '../src/ports.js';
import {stringArray} from './parameters.js';
import {chosenRole, endpointPathOf, isOption2} from './setup.js';
import type {FlowState, StepId} from './types.js';
import {commonNameOf} from './validate.js';

export type PartStatus = 'ok' | 'failed' | 'pending' | 'unknown';
export type PartId = 'sender' | 'load-balancer' | 'runtime' | 'instance';

export interface DiagramItem {
  /** Stable id, for tests and for the view's keys. */
  id: string;
  text: string;
  status: PartStatus;
}

export interface DiagramPart {
  id: PartId;
  title: string;
  /** For narrow terminals. */
  shortTitle: string;
  status: PartStatus;
  items: DiagramItem[];
}

/** One leg of the certificate's path (or the server chain coming back). */
export interface DiagramHop {
  from: PartId;
  to: PartId;
  /** A few characters, drawn beside the arrow. */
  label: string;
  status: PartStatus;
}

export interface LandscapeModel {
  parts: Record<PartId, DiagramPart>;
  /** sender → load balancer, load balancer → sender (server chain), load balancer → runtime, runtime → instance. */
  hops: {toLoadBalancer: DiagramHop; serverChain: DiagramHop; toRuntime: DiagramHop; toInstance: DiagramHop};
  /** Where it breaks: the first failed part along the path, or null. */
  failed: PartId | null;
  /** One line under the drawing: what it shows right now. */
  caption: {status: PartStatus; text: string};
}

/** Steps at which the shell draws the landscape in workshop mode. */
const DIAGRAM_STEPS: ReadonlySet<StepId> = new Set(['certificate-review', 'probe-result']);

/**
 * Whether the landscape belongs on screen: at the certificate review and the live test result in
 * workshop mode, and at the end (always when the live test failed, so the room sees where).
 */
export function showsLandscape(state: FlowState, explain: boolean): boolean {
  if (state.status === 'cancelled') return false;
  if (state.status === 'done' || state.status === 'failed') return explain || Boolean(state.facts.probe && !state.facts.probe.success);
  return explain && DIAGRAM_STEPS.has(state.step);
}

const ORDER: PartId[] = ['sender', 'load-balancer', 'runtime', 'instance'];

/** Outcomes that mean the request reached the runtime over a completed handshake. */
const HTTP_OUTCOMES = new Set(['success', 'unauthorized', 'forbidden', 'not-found', 'server-error', 'unexpected-status']);

export function landscapeModel(state: FlowState): LandscapeModel {
  const {facts, answers} = state;
  const finished = state.status !== 'running';
  // A station not reached in a finished run stays unknown; in a running one it is still ahead.
  const notYet: PartStatus = finished ? 'unknown' : 'pending';
  const cert = facts.certificate;
  const sapGenerated = answers.certificateSource === 'sap-generated';
  const probe = facts.probe;
  const outcome = probe?.outcome;
  const reachedRuntime = outcome !== undefined && HTTP_OUTCOMES.has(outcome);
  const option2 = isOption2(state);

  const checks = cert?.checks ?? [];
  const fromChecks = (ids: string[], absent: PartStatus, warnAs: PartStatus = 'ok'): PartStatus => verdictStatus(checks.filter(check => ids.includes(check.id)), absent, warnAs);

  // --- sender: keystore (client key, leaf, intermediates) and trust store (load balancer root)
  const leafName = sapGenerated ? 'SAP-generated' : cert?.leaf ? (commonNameOf(cert.leaf.subject) ?? cert.leaf.subject) : undefined;
  const leafStatus: PartStatus = sapGenerated ? (facts.key ? 'ok' : notYet) : cert ? fromChecks(['leaf', 'validity', 'key-strength'], cert.leaf ? 'ok' : 'failed') : notYet;
  let keyStatus: PartStatus;
  if (sapGenerated) keyStatus = facts.key?.files?.privateKey ? 'ok' : notYet;
  else if (checks.some(check => check.id === 'key-match')) keyStatus = fromChecks(['key-match'], 'unknown');
  else if (cert?.hasPrivateKey) keyStatus = 'ok';
  else if (reachedRuntime) keyStatus = 'ok'; // the handshake proved possession
  else keyStatus = answers.liveTest?.privateKeyPath ? 'unknown' : notYet;
  const intermediates = sapGenerated ? undefined : cert?.chain.filter(c => !c.selfSigned).length;
  const chainStatus: PartStatus = sapGenerated ? (facts.key ? 'ok' : notYet) : cert ? fromChecks(['chain'], 'ok') : notYet;
  const trustStatus: PartStatus = probe?.serverRootSubject || probe?.trustStoreFile ? 'ok' : probe ? 'unknown' : notYet;
  const serverRoot = probe?.serverRootSubject ? (commonNameOf(probe.serverRootSubject) ?? probe.serverRootSubject) : undefined;
  const sender = part('sender', 'Sender system', 'Sender', [
    {id: 'client-key', text: 'client key', status: keyStatus},
    {id: 'leaf', text: leafName ? `leaf ${leafName}` : 'leaf certificate', status: leafStatus},
    {id: 'intermediates', text: intermediates === undefined ? 'intermediates' : intermediates === 1 ? '1 intermediate' : `${intermediates} intermediates`, status: chainStatus},
    {id: 'trust-store', text: serverRoot ? `trusts ${serverRoot}` : 'trusts LB root', status: trustStatus},
  ]);

  // --- SAP load balancer: root on SAP's list, EKU clientAuth, the TLS handshake itself
  const rootStatus: PartStatus = sapGenerated ? (facts.key ? 'ok' : notYet) : cert ? fromChecks(['root'], 'unknown', 'unknown') : notYet;
  const ekuStatus: PartStatus = sapGenerated ? (facts.key ? 'ok' : notYet) : cert ? fromChecks(['eku'], 'unknown') : notYet;
  let handshakeStatus: PartStatus = notYet;
  if (outcome === 'handshake-rejected') handshakeStatus = 'failed';
  else if (reachedRuntime) handshakeStatus = 'ok';
  else if (outcome) handshakeStatus = 'unknown';
  const loadBalancer = part('load-balancer', 'SAP load balancer', 'Load balancer', [
    {id: 'root', text: 'root on SAP list', status: rootStatus},
    {id: 'eku', text: 'clientAuth EKU', status: ekuStatus},
    {id: 'handshake', text: 'TLS handshake', status: handshakeStatus},
  ]);

  // --- Cloud Integration runtime: the iflow behind the endpoint path
  // The host is the same for every iflow: the path names it (the live test may have been given a full URL).
  const path = answers.liveTest?.path && endpointPathOf(answers.liveTest.path);
  let iflowStatus: PartStatus = probe ? 'unknown' : notYet;
  if (outcome === 'success' || outcome === 'server-error') iflowStatus = 'ok';
  else if (outcome === 'not-found' || outcome === 'unexpected-status') iflowStatus = 'failed';
  // Option 2: a 403 comes from the sender channel's certificate list, which lives in the iflow.
  else if (outcome === 'forbidden' && option2) iflowStatus = 'failed';
  // The HTTP answer itself is in the caption: a 401 or 403 is not the runtime's fault.
  const runtimeItems: DiagramItem[] = [
    {id: 'reached', text: 'request arrives', status: reachedRuntime ? 'ok' : probe ? 'unknown' : notYet},
    {id: 'iflow', text: path ? `iflow ${path}` : 'iflow endpoint', status: iflowStatus},
  ];
  if (option2) runtimeItems.push({id: 'channel-certificates', text: 'channel DN list', status: outcome === 'forbidden' ? 'failed' : outcome === 'success' ? 'ok' : probe ? 'unknown' : notYet});
  const runtime = part('runtime', 'Cloud Integration', 'CPI runtime', runtimeItems);

  // --- service instance: roles and keys (a duplicate of the certificate in another key fails it)
  const instanceName = facts.instance?.name ?? answers.instanceName;
  const role = chosenRole(answers);
  const instanceRoles = facts.instance?.parameters ? stringArray(facts.instance.parameters.roles) : null;
  let roleStatus: PartStatus;
  if (option2) roleStatus = facts.instance ? 'ok' : notYet;
  else if (outcome === 'forbidden') roleStatus = 'failed';
  else if (outcome === 'success' || outcome === 'server-error' || outcome === 'not-found') roleStatus = 'ok';
  else if (facts.instance && role) roleStatus = instanceRoles === null || instanceRoles.includes(role) ? 'ok' : 'failed';
  else roleStatus = notYet;
  const blocking = (facts.duplicates ?? []).filter(d => d.match === 'certificate' && !(d.instanceName === facts.instance?.name && d.keyName === answers.keyName));
  let keyItemStatus: PartStatus = facts.key ? (facts.key.certificateVerified === false ? 'failed' : 'ok') : notYet;
  if (blocking.length > 0 || outcome === 'unauthorized') keyItemStatus = 'failed';
  const keyName = facts.key?.name ?? answers.keyName;
  const keyText = blocking.length > 0 ? `also in ${blocking.map(d => `${d.instanceName}/${d.keyName}`).join(', ')}` : keyName ? `key ${keyName}` : 'service key';
  const instance = part('instance', instanceName ? `Service instance ${instanceName}` : 'Service instance', instanceName ? `Instance ${instanceName}` : 'Instance', [
    {id: 'roles', text: option2 ? 'no role (Option 2)' : `role ${role ?? '?'}`, status: roleStatus},
    {id: 'key', text: keyText, status: keyItemStatus},
  ]);

  // --- the path
  const toLoadBalancer: DiagramHop = {
    from: 'sender',
    to: 'load-balancer',
    label: 'chain',
    status: reachedRuntime ? 'ok' : outcome === 'handshake-rejected' || outcome === 'network-error' || outcome === 'timeout' ? 'failed' : probe ? 'unknown' : notYet,
  };
  const serverChain: DiagramHop = {from: 'load-balancer', to: 'sender', label: 'root', status: trustStatus};
  const toRuntime: DiagramHop = {from: 'load-balancer', to: 'runtime', label: 'cert', status: reachedRuntime ? 'ok' : probe ? 'unknown' : notYet};
  let toInstanceStatus: PartStatus = probe ? 'unknown' : notYet;
  if (outcome === 'unauthorized' || (outcome === 'forbidden' && !option2)) toInstanceStatus = 'failed';
  else if (outcome === 'success' || outcome === 'server-error' || (outcome === 'forbidden' && option2)) toInstanceStatus = 'ok';
  const toInstance: DiagramHop = {from: 'runtime', to: 'instance', label: 'key → role', status: toInstanceStatus};

  const parts = {sender, 'load-balancer': loadBalancer, runtime, instance};
  const failed = ORDER.find(id => parts[id].status === 'failed') ?? null;
  return {parts, hops: {toLoadBalancer, serverChain, toRuntime, toInstance}, failed, caption: captionOf(state, failed, option2)};
}

/** A warning is usable (the user may accept it), so most checks draw it as ok; the review panel names it. */
function verdictStatus(checks: CertificateCheck[], absent: PartStatus, warnAs: PartStatus): PartStatus {
  if (checks.length === 0) return absent;
  if (checks.some(check => check.verdict === 'fail')) return 'failed';
  return checks.some(check => check.verdict === 'warn') ? warnAs : 'ok';
}

/** A part is failed when any item is, ok when all are, else still ahead (pending) or unknown. */
function part(id: PartId, title: string, shortTitle: string, items: DiagramItem[]): DiagramPart {
  const statuses = items.map(item => item.status);
  const status: PartStatus = statuses.includes('failed') ? 'failed' : statuses.every(s => s === 'ok') ? 'ok' : statuses.includes('pending') ? 'pending' : statuses.includes('ok') ? 'ok' : 'unknown';
  return {id, title, shortTitle, status, items};
}

function captionOf(state: FlowState, failed: PartId | null, option2: boolean): LandscapeModel['caption'] {
  const probe = state.facts.probe;
  if (probe) {
    const http = probe.status ? `HTTP ${probe.status}` : '';
    switch (probe.outcome) {
      case 'success':
        return {status: 'ok', text: `${http}: the certificate passed every station.`};
      case 'handshake-rejected':
        return {status: 'failed', text: 'The load balancer rejected the TLS handshake: check EKU, chain and root.'};
      case 'unauthorized':
        return {status: 'failed', text: `${http}: the certificate is not in exactly one service key.`};
      case 'forbidden':
        return option2
          ? {status: 'failed', text: `${http}: subject and issuer are not in the sender channel's list.`}
          : {status: 'failed', text: `${http}: the instance lacks the channel's role (changes take up to 1 h).`};
      case 'not-found':
        return {status: 'failed', text: `${http}: no deployed iflow at this path.`};
      case 'server-error':
        return {status: 'ok', text: `${http}: the certificate got through; the iflow itself failed.`};
      case 'network-error':
      case 'timeout':
        return {status: 'failed', text: 'The load balancer could not be reached from here.'};
      default:
        return {status: probe.success ? 'ok' : 'failed', text: `${http ? `${http}: ` : ''}${probe.summary}`};
    }
  }
  if (failed === 'sender' || failed === 'load-balancer') return {status: 'failed', text: 'The load balancer would reject this certificate: see the ✖ marks.'};
  if (failed === 'instance') return {status: 'failed', text: 'The runtime could not map this certificate to one key and role.'};
  if (state.status !== 'running') return {status: 'unknown', text: 'Not tested live: the path is drawn, not verified.'};
  return {status: 'pending', text: "The certificate's path; the live test will walk it end to end."};
}
