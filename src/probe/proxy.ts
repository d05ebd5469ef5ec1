/**
 * Corporate proxies: HTTPS_PROXY / NO_PROXY as curl and most HTTP clients read them.
 */
import net from 'node:net';

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name.toUpperCase()] ?? env[name.toLowerCase()];
  return value && value.trim() ? value.trim() : undefined;
}

/** True when NO_PROXY says `host` (and `port`) must be reached directly. */
export function bypassesProxy(host: string, port: number, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const target = host.replace(/^\[|\]$/g, '').toLowerCase();
  for (const rawEntry of noProxy.split(/[,\s]+/)) {
    let entry = rawEntry.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    let entryPort: number | undefined;
    const portMatch = /^(.*[^:\]]|\[.*\]):(\d+)$/.exec(entry);
    if (portMatch && !net.isIPv6(entry)) {
      entry = portMatch[1];
      entryPort = Number(portMatch[2]);
    }
    entry = entry.replace(/^\[|\]$/g, '');
    if (entryPort !== undefined && entryPort !== port) continue;
    if (net.isIP(entry) || net.isIP(target)) {
      if (entry === target) return true;
      continue;
    }
    const domain = entry.replace(/^\*?\./, '');
    if (target === domain || target.endsWith('.' + domain)) return true;
  }
  return false;
}

/** The proxy to use for an https:// or http:// (issuer certificates) target, or undefined for a direct connection. */
export function proxyFor(scheme: 'https' | 'http', host: string, port: number, env: NodeJS.ProcessEnv): URL | undefined {
  const proxy = envValue(env, `${scheme}_proxy`) ?? envValue(env, 'all_proxy');
  if (!proxy || bypassesProxy(host, port, envValue(env, 'no_proxy'))) return undefined;
  return parseProxyUrl(proxy);
}

function parseProxyUrl(value: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  if (!URL.canParse(withScheme)) throw new Error(`the proxy setting "${redactProxy(value)}" is not a URL; use the form http://proxy.example.com:8080`);
  const url = new URL(withScheme);
  if (url.protocol !== 'http:') throw new Error(`proxy ${redactProxy(value)}: only http:// proxies (HTTP CONNECT) are supported`);
  return url;
}

/** The proxy URL without user name and password, for output. */
export function redactProxy(value: string | URL): string {
  if (typeof value === 'string') return value.replace(/\/\/[^@/]*@/, '//');
  return `${value.protocol}//${value.host}`;
}

export function proxyPort(url: URL): number {
  return url.port ? Number(url.port) : 80;
}

export function proxyAuthorization(url: URL): string | undefined {
  if (!url.username) return undefined;
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}
