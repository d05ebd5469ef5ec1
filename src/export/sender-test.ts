/**
 * The sender's own test: two small scripts the customer runs on the sender host with the files
 * handed over (PKCS#12, its password file, the load balancer root). They call the endpoint the
 * live test called, so a failure there points at that host (its network, proxy, trust store)
 * rather than at Cloud Integration. The password is never in a script: read from its file, or
 * asked for.
 */
export interface SenderTest {
  /** The tested endpoint; the scripts take another as their first argument. */
  url?: string;
  method: 'GET' | 'POST';
  /** File names relative to the scripts' folder. */
  pkcs12: string;
  passwordFile?: string;
  rootCa?: string;
}

/** A single-quoted shell word. */
const sh = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
/** A single-quoted PowerShell string. */
const ps = (value: string) => `'${value.replace(/'/g, "''")}'`;

export function senderTestSh(t: SenderTest): string {
  return `#!/usr/bin/env bash
# Sender test: calls the Cloud Integration endpoint with the sender's client certificate from
# this host, as the sender system will. Needs bash and curl (with PKCS#12 support: OpenSSL or
# Schannel builds; the macOS system curl may need the PEM files instead).
#   bash sender-test.sh [URL]    default URL: the one cpi-mtls tested
# Prints "HTTP <code>"; exits 0 only for 2xx.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
url=\${1:-${sh(t.url ?? '')}}
[ -n "$url" ] || { echo "Usage: bash sender-test.sh <endpoint URL>" >&2; exit 2; }
p12="$here/"${sh(t.pkcs12)}
password_file=${t.passwordFile ? `"$here/"${sh(t.passwordFile)}` : "''"}
root=${t.rootCa ? `"$here/"${sh(t.rootCa)}` : "''"}
if [ -n "$password_file" ] && [ -r "$password_file" ]; then
  IFS= read -r password < "$password_file" || true
else
  IFS= read -rs -p "Password of $(basename "$p12"): " password; echo >&2
fi
# A curl config string: backslash and double quote escaped.
conf() { local s=\${1//\\\\/\\\\\\\\}; printf '"%s"' "\${s//\\"/\\\\\\"}"; }
# curl reads its options from stdin (--config -): the password never appears in ps or in the
# shell history. A colon in the file's path would end the name, hence \\:.
code=$({
  printf 'cert-type = "P12"\\ncert = %s\\nurl = %s\\n' "$(conf "\${p12//:/\\\\:}:$password")" "$(conf "$url")"
  [ -z "$root" ] || printf 'cacert = %s\\n' "$(conf "$root")"
  ${t.method === 'POST' ? `printf 'request = "POST"\\nheader = "Content-Type: application/json"\\ndata = "{}"\\n'` : ':'}
} | curl --config - --silent --show-error --output /dev/null --write-out '%{http_code}' --max-time 60) || true
echo "HTTP \${code:-000}"
[[ "\${code:-000}" == 2* ]]
`;
}

export function senderTestPs1(t: SenderTest): string {
  return `# Sender test: calls the Cloud Integration endpoint with the sender's client certificate from
# this host, as the sender system will. Runs on Windows PowerShell 5.1 and PowerShell 7.
#   .\\sender-test.ps1 [-Url <URL>]    default URL: the one cpi-mtls tested
# Prints "HTTP <code>"; exits 0 only for 2xx.
# Caveats:
# - The server certificate is checked against the host's trust store (Invoke-WebRequest takes no
#   CA file). SAP's load balancer roots are public CAs; if the call fails with a trust error,
#   import ${t.rootCa ?? 'the load balancer root'} into Trusted Root Certification Authorities first.
# - Windows PowerShell 5.1 on older Windows cannot open AES-encrypted PKCS#12 files ("The
#   specified network password is not correct"): export one with legacy algorithms there
#   (cpi-mtls cert p12 --legacy).
param([string]$Url = ${ps(t.url ?? '')})
$ErrorActionPreference = 'Stop'
if (-not $Url) { Write-Host 'Usage: .\\sender-test.ps1 -Url <endpoint URL>'; exit 2 }
$p12 = Join-Path $PSScriptRoot ${ps(t.pkcs12)}
$passwordFile = ${t.passwordFile ? `Join-Path $PSScriptRoot ${ps(t.passwordFile)}` : "''"}
if ($passwordFile -and (Test-Path -LiteralPath $passwordFile)) {
  $password = ConvertTo-SecureString -String (Get-Content -LiteralPath $passwordFile -TotalCount 1) -AsPlainText -Force
} else {
  $password = Read-Host -AsSecureString -Prompt "Password of $(Split-Path -Leaf $p12)"
}
$cert = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2($p12, $password)
# Windows PowerShell 5.1 may not offer TLS 1.2 by default; PowerShell 7 ignores this setting.
[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
try {
  # -UseBasicParsing: 5.1 needs it without Internet Explorer; 7 accepts it and ignores it.
  $response = Invoke-WebRequest -Uri $Url -Method ${t.method} -Certificate $cert -UseBasicParsing${t.method === 'POST' ? " -ContentType 'application/json' -Body '{}'" : ''}
  $code = [int]$response.StatusCode
} catch {
  # Both versions throw on a non-2xx answer and keep the response on the exception.
  if ($_.Exception.Response) { $code = [int]$_.Exception.Response.StatusCode } else { Write-Output "HTTP 000: $($_.Exception.Message)"; exit 1 }
}
Write-Output "HTTP $code"
if ($code -lt 200 -or $code -ge 300) { exit 1 }
`;
}
