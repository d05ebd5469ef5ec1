/**
 * Root CAs that SAP's Cloud Foundry load balancer is taken to trust for client certificates.
 *
 * SAP's authoritative list is SAP Note 2801396, which needs an SAP login. This is the closest
 * public match: the 'optional' store of github.com/sap-software/btp-trust-store (SAP), release
 * v3.0.0 dated 2026-06-03, 'the complete list of Root CAs approved by SAP'. That the two lists
 * are equal is unconfirmed, so a root missing here is a warning, never a hard failure, and users
 * can extend the list with their own roots file.
 *
 * Matching is by SHA-256 fingerprint. Names are only used when the chain stops below the root
 * and the root itself was not supplied. `required` marks the roots of the trust store's
 * 'required' set (roots every BTP consumer must trust).
 */
export interface SapRootCa {
  commonName?: string;
  organization: string;
  organizationalUnit?: string;
  required: boolean;
  fingerprint256: string;
}

export interface RootCaList {
  source: string;
  version: string;
  date: string;
  roots: readonly SapRootCa[];
}

export const SAP_ROOT_CA_LIST: RootCaList = {
  source: 'github.com/sap-software/btp-trust-store optional store (proxy for SAP Note 2801396)',
  version: 'v3.0.0',
  date: '2026-06-03',
  roots: [
    {commonName: 'GlobalSign Root R46', organization: 'GlobalSign nv-sa', required: false, fingerprint256: '4F:A3:12:6D:8D:3A:11:D1:C4:85:5A:4F:80:7C:BA:D6:CF:91:9D:3A:5A:88:B0:3B:EA:2C:63:72:D9:3C:40:C9'},
    {commonName: 'QuoVadis Root CA 1 G3', organization: 'QuoVadis Limited', required: false, fingerprint256: '8A:86:6F:D1:B2:76:B5:7E:57:8E:92:1C:65:82:8A:2B:ED:58:E9:F2:F2:88:05:41:34:B7:F1:F4:BF:C9:CC:74'},
    {commonName: 'QuoVadis Root CA 2 G3', organization: 'QuoVadis Limited', required: false, fingerprint256: '8F:E4:FB:0A:F9:3A:4D:0D:67:DB:0B:EB:B2:3E:37:C7:1B:F3:25:DC:BC:DD:24:0E:A0:4D:AF:58:B4:7E:18:40'},
    {commonName: 'SAP Global Root CA', organization: 'SAP AG', required: true, fingerprint256: '56:53:9C:1E:7B:5E:D5:58:2B:79:68:00:61:CB:F2:14:86:A8:50:22:6B:2F:CF:30:B5:B1:52:A7:20:E1:34:DE'},
    {commonName: 'SAP Cloud Root CA', organization: 'SAP SE', required: true, fingerprint256: '6F:87:42:22:FA:EA:17:FD:8C:4A:4C:25:EF:26:F2:9F:BE:00:BF:45:82:C3:E1:FE:00:C2:F0:3D:BC:78:B2:81'},
    {commonName: 'D-TRUST BR Root CA 2 2023', organization: 'D-Trust GmbH', required: false, fingerprint256: '05:52:E6:F8:3F:DF:65:E8:FA:96:70:E6:66:DF:28:A4:E2:13:40:B5:10:CB:E5:25:66:F9:7C:4F:B9:4B:2B:D1'},
    {commonName: 'D-TRUST Root Class 3 CA 2 2009', organization: 'D-Trust GmbH', required: false, fingerprint256: '49:E7:A4:42:AC:F0:EA:62:87:05:00:54:B5:25:64:B6:50:E4:F4:9E:42:E3:48:D6:AA:38:E0:39:E9:57:B1:C1'},
    {commonName: 'SAP Internet of Things CA', organization: 'SAP IoT Trust Community II', required: false, fingerprint256: 'D0:C0:1D:1B:35:BA:4E:C2:44:61:B9:B8:CF:02:89:2F:04:00:88:49:AF:F4:2E:A5:50:67:BA:57:E1:E5:17:FF'},
    {commonName: 'T-TeleSec GlobalRoot Class 2', organization: 'T-Systems Enterprise Services GmbH', required: false, fingerprint256: '91:E2:F5:78:8D:58:10:EB:A7:BA:58:73:7D:E1:54:8A:8E:CA:CD:01:45:98:BC:0B:14:3E:04:1B:17:05:25:52'},
    {commonName: 'Sectigo Public Server Authentication Root R46', organization: 'Sectigo Limited', required: false, fingerprint256: '7B:B6:47:A6:2A:EE:AC:88:BF:25:7A:A5:22:D0:1F:FE:A3:95:E0:AB:45:C7:3F:93:F6:56:54:EC:38:F2:5A:06'},
    {commonName: 'COMODO Certification Authority', organization: 'COMODO CA Limited', required: false, fingerprint256: '1A:0D:20:44:5D:E5:BA:18:62:D1:9E:F8:80:85:8C:BC:E5:01:02:B3:6E:8F:0A:04:0C:3C:69:E7:45:22:FE:6E'},
    {commonName: 'COMODO ECC Certification Authority', organization: 'COMODO CA Limited', required: false, fingerprint256: '17:93:92:7A:06:14:54:97:89:AD:CE:2F:8F:34:F7:F0:B6:6D:0F:3A:E3:A3:B8:4D:21:EC:15:DB:BA:4F:AD:C7'},
    {commonName: 'COMODO RSA Certification Authority', organization: 'COMODO CA Limited', required: false, fingerprint256: '52:F0:E1:C4:E5:8E:C6:29:29:1B:60:31:7F:07:46:71:B8:5D:7E:A8:0D:5B:07:27:34:63:53:4B:32:B4:02:34'},
    {organization: 'SECOM Trust Systems CO.,LTD.', organizationalUnit: 'Security Communication RootCA2', required: false, fingerprint256: '51:3B:2C:EC:B8:10:D4:CD:E5:DD:85:39:1A:DF:C6:C2:DD:60:D8:7B:B7:36:D2:B5:21:48:4A:A4:7A:0E:BE:F6'},
    {commonName: 'Certum Trusted Root CA', organization: 'Asseco Data Systems S.A.', required: false, fingerprint256: 'FE:76:96:57:38:55:77:3E:37:A9:5E:7A:D4:D9:CC:96:C3:01:57:C1:5D:31:76:5B:A9:B1:57:04:E1:AE:78:FD'},
    {commonName: 'Telia RSA TLS Root CA v3', organization: 'Telia Company AB', required: false, fingerprint256: 'D1:3D:B1:29:4C:45:EB:C6:FC:86:C6:BB:F6:9F:A2:9B:DF:E6:92:DF:F7:C7:13:C2:43:C7:A9:56:C6:A2:28:4C'},
    {commonName: 'SI-TRUST Root', organization: 'Republika Slovenija', required: false, fingerprint256: 'FA:D5:40:81:1A:FA:E0:DC:76:7C:DF:65:72:A0:88:FA:3C:E8:49:3D:D8:2B:3B:86:9A:67:D1:0A:AB:4E:81:24'},
    {commonName: 'DigiCert ECC P384 Root G5', organization: 'DigiCert, Inc.', required: false, fingerprint256: 'C1:46:8C:F2:25:4E:60:04:B2:46:96:AB:A2:09:D1:A3:0B:A6:E2:DF:F6:8A:9A:4E:32:C6:AB:41:4F:90:C8:D9'},
    {commonName: 'DigiCert RSA4096 Root G5', organization: 'DigiCert, Inc.', required: false, fingerprint256: 'E4:6A:39:22:04:A8:DC:A3:42:A7:1C:1C:A9:A6:0C:91:85:B9:A9:30:37:01:20:C3:B9:C7:E3:85:6F:0D:8F:3B'},
    {commonName: 'DigiCert TLS ECC P384 Root G5', organization: 'DigiCert, Inc.', required: true, fingerprint256: '01:8E:13:F0:77:25:32:CF:80:9B:D1:B1:72:81:86:72:83:FC:48:C6:E1:3B:E9:C6:98:12:85:4A:49:0C:1B:05'},
    {commonName: 'DigiCert TLS RSA4096 Root G5', organization: 'DigiCert, Inc.', required: true, fingerprint256: '37:1A:00:DC:05:33:B3:72:1A:7E:EB:40:E8:41:9E:70:79:9D:2B:0A:0F:2C:1D:80:69:31:65:F7:CE:C4:AD:75'},
    {commonName: 'Amazon Root CA 1', organization: 'Amazon', required: false, fingerprint256: '8E:CD:E6:88:4F:3D:87:B1:12:5B:A3:1A:C3:FC:B1:3D:70:16:DE:7F:57:CC:90:4F:E1:CB:97:C6:AE:98:19:6E'},
    {commonName: 'Amazon Root CA 2', organization: 'Amazon', required: false, fingerprint256: '1B:A5:B2:AA:8C:65:40:1A:82:96:01:18:F8:0B:EC:4F:62:30:4D:83:CE:C4:71:3A:19:C3:9C:01:1E:A4:6D:B4'},
    {commonName: 'Amazon Root CA 3', organization: 'Amazon', required: false, fingerprint256: '18:CE:6C:FE:7B:F1:4E:60:B2:E3:47:B8:DF:E8:68:CB:31:D0:2E:BB:3A:DA:27:15:69:F5:03:43:B4:6D:B3:A4'},
    {commonName: 'Amazon Root CA 4', organization: 'Amazon', required: false, fingerprint256: 'E3:5D:28:41:9E:D0:20:25:CF:A6:90:38:CD:62:39:62:45:8D:A5:C6:95:FB:DE:A3:C2:2B:0B:FB:25:89:70:92'},
    {commonName: 'DigiCert Assured ID Root G2', organization: 'DigiCert Inc', required: false, fingerprint256: '7D:05:EB:B6:82:33:9F:8C:94:51:EE:09:4E:EB:FE:FA:79:53:A1:14:ED:B2:F4:49:49:45:2F:AB:7D:2F:C1:85'},
    {commonName: 'DigiCert Assured ID Root G3', organization: 'DigiCert Inc', required: false, fingerprint256: '7E:37:CB:8B:4C:47:09:0C:AB:36:55:1B:A6:F4:5D:B8:40:68:0F:BA:16:6A:95:2D:B1:00:71:7F:43:05:3F:C2'},
    {commonName: 'DigiCert Global Root G2', organization: 'DigiCert Inc', required: true, fingerprint256: 'CB:3C:CB:B7:60:31:E5:E0:13:8F:8D:D3:9A:23:F9:DE:47:FF:C3:5E:43:C1:14:4C:EA:27:D4:6A:5A:B1:CB:5F'},
    {commonName: 'DigiCert Global Root G3', organization: 'DigiCert Inc', required: true, fingerprint256: '31:AD:66:48:F8:10:41:38:C7:38:F3:9E:A4:32:01:33:39:3E:3A:18:CC:02:29:6E:F9:7C:2A:C9:EF:67:31:D0'},
    {commonName: 'DigiCert Trusted Root G4', organization: 'DigiCert Inc', required: false, fingerprint256: '55:2F:7B:DC:F1:A7:AF:9E:6C:E6:72:01:7F:4F:12:AB:F7:72:40:C7:8E:76:1A:C2:03:D1:D9:D2:0A:C8:99:88'},
    {commonName: 'GTS Root R1', organization: 'Google Trust Services LLC', required: false, fingerprint256: 'D9:47:43:2A:BD:E7:B7:FA:90:FC:2E:6B:59:10:1B:12:80:E0:E1:C7:E4:E4:0F:A3:C6:88:7F:FF:57:A7:F4:CF'},
    {commonName: 'GTS Root R2', organization: 'Google Trust Services LLC', required: false, fingerprint256: '8D:25:CD:97:22:9D:BF:70:35:6B:DA:4E:B3:CC:73:40:31:E2:4C:F0:0F:AF:CF:D3:2D:C7:6E:B5:84:1C:7E:A8'},
    {commonName: 'GTS Root R3', organization: 'Google Trust Services LLC', required: false, fingerprint256: '34:D8:A7:3E:E2:08:D9:BC:DB:0D:95:65:20:93:4B:4E:40:E6:94:82:59:6E:8B:6F:73:C8:42:6B:01:0A:6F:48'},
    {commonName: 'GTS Root R4', organization: 'Google Trust Services LLC', required: false, fingerprint256: '34:9D:FA:40:58:C5:E2:63:12:3B:39:8A:E7:95:57:3C:4E:13:13:C8:3F:E6:8F:93:55:6C:D5:E8:03:1B:3C:7D'},
    {commonName: 'Root YE', organization: 'ISRG', required: true, fingerprint256: 'E1:4F:FC:AD:5B:00:25:73:10:06:CA:A4:3A:12:1A:22:D8:E9:70:0F:4F:B9:CF:85:2F:02:A7:08:AA:5D:56:66'},
    {commonName: 'Root YR', organization: 'ISRG', required: true, fingerprint256: 'E5:7B:7E:6F:15:0C:41:91:02:E8:D5:C0:55:72:9F:F9:67:B9:D1:A8:29:BF:00:CE:C8:9C:A6:04:EB:F4:A8:6F'},
    {commonName: 'ISRG Root X1', organization: 'Internet Security Research Group', required: true, fingerprint256: '96:BC:EC:06:26:49:76:F3:74:60:77:9A:CF:28:C5:A7:CF:E8:A3:C0:AA:E1:1A:8F:FC:EE:05:C0:BD:DF:08:C6'},
    {commonName: 'ISRG Root X2', organization: 'Internet Security Research Group', required: true, fingerprint256: '69:72:9B:8E:15:A8:6E:FC:17:7A:57:AF:B7:17:1D:FC:64:AD:D2:8C:2F:CA:8C:F1:50:7E:34:45:3C:CB:14:70'},
    {commonName: 'Microsoft ECC Root Certificate Authority 2017', organization: 'Microsoft Corporation', required: false, fingerprint256: '35:8D:F3:9D:76:4A:F9:E1:B7:66:E9:C9:72:DF:35:2E:E1:5C:FA:C2:27:AF:6A:D1:D7:0E:8E:4A:6E:DC:BA:02'},
    {commonName: 'Microsoft RSA Root Certificate Authority 2017', organization: 'Microsoft Corporation', required: false, fingerprint256: 'C7:41:F7:0F:4B:2A:8D:88:BF:2E:71:C1:41:22:EF:53:EF:10:EB:A0:CF:A5:E6:4C:FA:20:F4:18:85:30:73:E0'},
    {commonName: 'SSL.com TLS ECC Root CA 2022', organization: 'SSL Corporation', required: false, fingerprint256: 'C3:2F:FD:9F:46:F9:36:D1:6C:36:73:99:09:59:43:4B:9A:D6:0A:AF:BB:9E:7C:F3:36:54:F1:44:CC:1B:A1:43'},
    {commonName: 'SSL.com TLS RSA Root CA 2022', organization: 'SSL Corporation', required: false, fingerprint256: '8F:AF:7D:2E:2C:B4:70:9B:B8:E0:B3:36:66:BF:75:A5:DD:45:B5:DE:48:0F:8E:A8:D4:BF:E6:BE:BC:17:F2:ED'},
    {commonName: 'X9 Financial PKI - ECC P-256 Root', organization: 'X9 Financial PKI', required: false, fingerprint256: 'D9:DE:41:53:E4:33:6D:7E:48:1E:31:52:57:57:21:BD:0D:36:A7:AB:AF:4D:B8:61:47:3B:B7:64:51:E5:09:36'},
    {commonName: 'X9 Financial PKI - RSA 4096 Root', organization: 'X9 Financial PKI', required: false, fingerprint256: 'A4:C1:51:56:06:CD:7E:01:0F:51:58:CC:88:CF:8B:03:C3:5C:D4:D8:08:0D:28:3F:56:CC:EA:BD:92:4C:DA:B5'},
    {commonName: 'Go Daddy Root Certificate Authority - G2', organization: 'GoDaddy.com, Inc.', required: false, fingerprint256: '45:14:0B:32:47:EB:9C:C8:C5:B4:F0:D7:B5:30:91:F7:32:92:08:9E:6E:5A:63:E2:74:9D:D3:AC:A9:19:8E:DA'},
    {commonName: 'Starfield Services Root Certificate Authority - G2', organization: 'Starfield Technologies, Inc.', required: false, fingerprint256: '56:8D:69:05:A2:C8:87:08:A4:B3:02:51:90:ED:CF:ED:B1:97:4A:60:6A:13:C6:E5:29:0F:CB:2A:E6:3E:DA:B5'},
    {commonName: 'USERTrust ECC Certification Authority', organization: 'The USERTRUST Network', required: false, fingerprint256: '4F:F4:60:D5:4B:9C:86:DA:BF:BC:FC:57:12:E0:40:0D:2B:ED:3F:BC:4D:4F:BD:AA:86:E0:6A:DC:D2:A9:AD:7A'},
    {commonName: 'USERTrust RSA Certification Authority', organization: 'The USERTRUST Network', required: false, fingerprint256: 'E7:93:C9:B0:2F:D8:AA:13:E2:1C:31:22:8A:CC:B0:81:19:64:3B:74:9C:89:89:64:B1:74:6D:46:C3:D4:CB:D2'},
    {commonName: 'SSL.com EV Root Certification Authority RSA R2', organization: 'SSL Corporation', required: false, fingerprint256: '2E:7B:F1:6C:C2:24:85:A7:BB:E2:AA:86:96:75:07:61:B0:AE:39:BE:3B:2F:E9:D0:CC:6D:4E:F7:34:91:42:5C'},
    {commonName: 'SSL.com Root Certification Authority ECC', organization: 'SSL Corporation', required: false, fingerprint256: '34:17:BB:06:CC:60:07:DA:1B:96:1C:92:0B:8A:B4:CE:3F:AD:82:0E:4A:A3:0B:9A:CB:C4:A7:4E:BD:CE:BC:65'},
    {commonName: 'SSL.com Root Certification Authority RSA', organization: 'SSL Corporation', required: false, fingerprint256: '85:66:6A:56:2E:E0:BE:5C:E9:25:C1:D8:89:0A:6F:76:A8:7E:C1:6D:4D:7D:5F:29:EA:74:19:CF:20:12:3B:69'},
    {commonName: 'Atos TrustedRoot 2011', organization: 'Atos', required: false, fingerprint256: 'F3:56:BE:A2:44:B7:A9:1E:B3:5D:53:CA:9A:D7:86:4A:CE:01:8E:2D:35:D5:F8:F9:6D:DF:68:A6:F4:1A:A4:74'},
    {commonName: 'Atos TrustedRoot Root CA RSA TLS 2021', organization: 'Atos', required: false, fingerprint256: '81:A9:08:8E:A5:9F:B3:64:C5:48:A6:F8:55:59:09:9B:6F:04:05:EF:BF:18:E5:32:4E:C9:F4:57:BA:00:11:2F'},
    {commonName: 'CAEDICOM Root', organization: 'EDICOM', required: false, fingerprint256: '15:01:F8:9C:5C:4D:CF:36:CF:58:8A:17:C9:FD:7C:FC:EB:9E:E0:1E:87:29:BE:35:5E:25:DE:80:EB:62:84:B4'},
    {commonName: 'GlobalSign', organization: 'GlobalSign', organizationalUnit: 'GlobalSign ECC Root CA - R4', required: false, fingerprint256: 'B0:85:D7:0B:96:4F:19:1A:73:E4:AF:0D:54:AE:7A:0E:07:AA:FD:AF:9B:71:DD:08:62:13:8A:B7:32:5A:24:A2'},
    {commonName: 'GlobalSign', organization: 'GlobalSign', organizationalUnit: 'GlobalSign Root CA - R3', required: false, fingerprint256: 'CB:B5:22:D7:B7:F1:27:AD:6A:01:13:86:5B:DF:1C:D4:10:2E:7D:07:59:AF:63:5A:7C:F4:72:0D:C9:63:C5:3B'},
    {commonName: 'GlobalSign', organization: 'GlobalSign', organizationalUnit: 'GlobalSign Root CA - R6', required: false, fingerprint256: '2C:AB:EA:FE:37:D0:6C:A2:2A:BA:73:91:C0:03:3D:25:98:29:52:C4:53:64:73:49:76:3A:3A:B5:AD:6C:CF:69'},
  ],
};
