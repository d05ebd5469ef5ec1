/**
 * PKCS#12 (RFC 7292) reading and writing with node:crypto.
 *
 * node-forge's PKCS#12 code parses every certificate and key with its RSA-only model, so it
 * fails on EC keys and EC certificates (several SAP-trusted roots and many intermediates are
 * EC), and it cannot write a SHA-256 MAC. The container itself is simple, so it is built here:
 * - modern: PBES2 (PBKDF2 with HMAC-SHA-256, AES-256-CBC) for key and certificates, HMAC-SHA-256
 *   MAC: what openssl 3 writes by default, readable by openssl 3 without -legacy, current Java
 *   keytool, STRUST and Postman;
 * - legacy: pbeWithSHAAnd3-KeyTripleDES-CBC for key and certificates, HMAC-SHA-1 MAC, for older
 *   importers (Java before 8u301, older Windows).
 * Reading also understands RC2 (openssl -legacy); forge's RC2 is used for that only.
 */
import {createCipheriv, createDecipheriv, createHash, createHmac, hash as digestOnce, pbkdf2Sync, randomBytes, timingSafeEqual} from 'node:crypto';
import {CpiMtlsError} from '../errors.js';
import {DerError, TAG, der, integerOf, oidOf, parseDer, parseDerStrict, type DerNode} from './der.js';

const P12 = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbeSha3Des: '1.2.840.113549.1.12.1.3',
  pbeSha2Des: '1.2.840.113549.1.12.1.4',
  pbeShaRc2128: '1.2.840.113549.1.12.1.5',
  pbeShaRc240: '1.2.840.113549.1.12.1.6',
} as const;

const HASH_BY_OID: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const HMAC_BY_OID: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
const CIPHER_BY_OID: Record<string, {name: string; keyLength: number}> = {
  '2.16.840.1.101.3.4.1.2': {name: 'aes-128-cbc', keyLength: 16},
  '2.16.840.1.101.3.4.1.22': {name: 'aes-192-cbc', keyLength: 24},
  '2.16.840.1.101.3.4.1.42': {name: 'aes-256-cbc', keyLength: 32},
  '1.2.840.113549.3.7': {name: 'des-ede3-cbc', keyLength: 24},
};

/** `null` is "no password at all", which some writers use instead of the empty string. */
type Password = string | null;

function bmpPassword(password: Password): Buffer {
  if (password === null) return Buffer.alloc(0);
  return Buffer.concat([Buffer.from(password, 'utf16le').swap16(), Buffer.alloc(2)]);
}

function blockSizeOf(hash: string): number {
  return hash === 'sha384' || hash === 'sha512' ? 128 : 64;
}

/** The PKCS#12 key derivation (RFC 7292 appendix B.2). id 1 = key, 2 = IV, 3 = MAC key. */
export function pkcs12Kdf(password: Password, salt: Buffer, id: number, iterations: number, length: number, hash: string): Buffer {
  const v = blockSizeOf(hash);
  const repeat = (input: Buffer): Buffer => {
    if (input.length === 0) return Buffer.alloc(0);
    const out = Buffer.alloc(v * Math.ceil(input.length / v));
    for (let i = 0; i < out.length; i++) out[i] = input[i % input.length];
    return out;
  };
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([repeat(salt), repeat(bmpPassword(password))]);
  const output: Buffer[] = [];
  let produced = 0;
  while (produced < length) {
    let A: Buffer = createHash(hash).update(D).update(I).digest();
    // crypto.hash is several times faster than createHash for these many small digests.
    for (let i = 1; i < iterations; i++) A = digestOnce(hash, A, 'buffer');
    output.push(A);
    produced += A.length;
    if (produced >= length) break;
    const B = Buffer.alloc(v);
    for (let i = 0; i < v; i++) B[i] = A[i % A.length];
    for (let block = 0; block < I.length; block += v) {
      let carry = 1;
      for (let i = v - 1; i >= 0; i--) {
        const sum = I[block + i] + B[i] + carry;
        I[block + i] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(output).subarray(0, length);
}

// ---------------------------------------------------------------------------------------------
// Decryption

class DecryptError extends Error {}

async function decrypt(algorithm: DerNode, data: Buffer, password: Password): Promise<Buffer> {
  const oid = oidOf(algorithm.children[0]);
  const parameters = algorithm.children[1];
  if (oid === P12.pbes2) {
    const [kdf, scheme] = parameters.children;
    if (oidOf(kdf.children[0]) !== P12.pbkdf2) throw new DerError('unsupported key derivation in PBES2');
    const kdfParameters = kdf.children[1].children;
    const salt = kdfParameters[0].value;
    const iterations = integerOf(kdfParameters[1]);
    const prfNode = kdfParameters.find((node) => node.tag === TAG.SEQUENCE);
    const prf = prfNode ? HMAC_BY_OID[oidOf(prfNode.children[0])] : 'sha1';
    const cipher = CIPHER_BY_OID[oidOf(scheme.children[0])];
    if (!prf || !cipher) throw new DerError('unsupported PBES2 algorithm');
    const key = pbkdf2Sync(Buffer.from(password ?? '', 'utf8'), salt, iterations, cipher.keyLength, prf);
    return runDecipher(cipher.name, key, scheme.children[1].value, data);
  }
  const salt = parameters.children[0].value;
  const iterations = integerOf(parameters.children[1]);
  const derive = (id: number, length: number): Buffer => pkcs12Kdf(password, salt, id, iterations, length, 'sha1');
  if (oid === P12.pbeSha3Des) return runDecipher('des-ede3-cbc', derive(1, 24), derive(2, 8), data);
  if (oid === P12.pbeSha2Des) {
    const key = derive(1, 16);
    return runDecipher('des-ede3-cbc', Buffer.concat([key, key.subarray(0, 8)]), derive(2, 8), data);
  }
  if (oid === P12.pbeShaRc240 || oid === P12.pbeShaRc2128) {
    // RC2 lives in OpenSSL's legacy provider, which node does not load; forge has it.
    const bits = oid === P12.pbeShaRc240 ? 40 : 128;
    const forge = (await import('node-forge')).default;
    const cipher = forge.rc2.createDecryptionCipher(forge.util.createBuffer(derive(1, bits / 8).toString('binary')), bits);
    cipher.start(forge.util.createBuffer(derive(2, 8).toString('binary')));
    cipher.update(forge.util.createBuffer(data.toString('binary')));
    if (!cipher.finish()) throw new DecryptError('bad padding');
    return Buffer.from(cipher.output.getBytes(), 'binary');
  }
  throw new DerError(`unsupported PKCS#12 encryption ${oid}`);
}

function runDecipher(name: string, key: Buffer, iv: Buffer, data: Buffer): Buffer {
  try {
    const decipher = createDecipheriv(name, key, iv);
    return Buffer.concat([decipher.update(data), decipher.final()]);
  } catch (error) {
    throw new DecryptError(error instanceof Error ? error.message : String(error));
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

export interface Pkcs12Contents {
  /** DER certificates in the order found. */
  certificates: Buffer[];
  /** Unencrypted PKCS#8 DER of each private key found. */
  privateKeys: Buffer[];
}

function macMatches(macData: DerNode, authSafe: Buffer, password: Password): boolean {
  const [digestInfo, saltNode, iterationsNode] = macData.children;
  const hash = HASH_BY_OID[oidOf(digestInfo.children[0].children[0])];
  if (!hash) throw new DerError('unsupported MAC algorithm');
  const expected = digestInfo.children[1].value;
  const iterations = iterationsNode ? integerOf(iterationsNode) : 1;
  const key = pkcs12Kdf(password, saltNode.value, 3, iterations, createHash(hash).digest().length, hash);
  const actual = createHmac(hash, key).update(authSafe).digest();
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * Reads a PFX. Throws CpiMtlsError 'password-required' (no password given and the empty one
 * does not open it), 'wrong-password', or 'invalid-pkcs12'.
 */
export async function readPkcs12(buffer: Buffer, password: string | undefined, where: string): Promise<Pkcs12Contents> {
  const invalid = (cause: unknown): CpiMtlsError =>
    new CpiMtlsError('invalid-pkcs12', `${where} is not a readable PKCS#12 file (${cause instanceof Error ? cause.message : String(cause)}).`, {
      cause,
      fix: ['Export the file again from the tool that created it, or convert it: openssl pkcs12 -in FILE -nodes -out bundle.pem'],
    });
  let pfx: DerNode;
  let authSafe: Buffer;
  try {
    pfx = parseDerStrict(buffer);
    if (integerOf(pfx.children[0]) !== 3) throw new DerError('not a version 3 PFX');
    const contentInfo = pfx.children[1];
    if (oidOf(contentInfo.children[0]) !== P12.data) throw new DerError('public-key integrity mode is not supported');
    authSafe = contentInfo.children[1].children[0].value;
  } catch (error) {
    throw invalid(error);
  }
  const macData = pfx.children[2];
  const candidates: Password[] = password ? [password] : ['', null];
  let chosen: Password | undefined = candidates[0];
  if (macData) {
    try {
      chosen = candidates.find((candidate) => macMatches(macData, authSafe, candidate));
    } catch (error) {
      throw invalid(error);
    }
    if (chosen === undefined) throw passwordError(password, where);
  }
  try {
    return await readAuthenticatedSafe(authSafe, chosen);
  } catch (error) {
    if (error instanceof DecryptError) throw passwordError(password, where);
    if (error instanceof CpiMtlsError) throw error;
    throw invalid(error);
  }
}

function passwordError(password: string | undefined, where: string): CpiMtlsError {
  if (password === undefined) {
    return new CpiMtlsError('password-required', `${where} is protected by a password.`, {
      fix: ['Give the export password (--password-file FILE, or type it when asked).'],
      details: {path: where},
    });
  }
  return new CpiMtlsError('wrong-password', `The password does not open ${where}.`, {
    fix: ['Check the password (it is case-sensitive); ask whoever exported the file for the right one.'],
    details: {path: where},
  });
}

async function readAuthenticatedSafe(authSafe: Buffer, password: Password): Promise<Pkcs12Contents> {
  const contents: Pkcs12Contents = {certificates: [], privateKeys: []};
  for (const contentInfo of parseDerStrict(authSafe).children) {
    const type = oidOf(contentInfo.children[0]);
    let safeContents: Buffer;
    if (type === P12.data) {
      safeContents = contentInfo.children[1].children[0].value;
    } else if (type === P12.encryptedData) {
      const encryptedContentInfo = contentInfo.children[1].children[0].children[1];
      const algorithm = encryptedContentInfo.children[1];
      const encrypted = encryptedContentInfo.children[2];
      // [0] IMPLICIT OCTET STRING: primitive, or constructed from pieces by BER writers.
      const data = encrypted.constructed ? Buffer.concat(encrypted.children.map((child) => child.value)) : encrypted.value;
      safeContents = await decrypt(algorithm, data, password);
    } else {
      continue;
    }
    await readSafeContents(parseDerStrict(safeContents), password, contents, 0);
  }
  return contents;
}

async function readSafeContents(safeContents: DerNode, password: Password, contents: Pkcs12Contents, depth: number): Promise<void> {
  if (depth > 4) throw new DerError('SafeContents nested too deep');
  for (const bag of safeContents.children) {
    const bagId = oidOf(bag.children[0]);
    const value = bag.children[1].children[0];
    if (bagId === P12.certBag) {
      if (oidOf(value.children[0]) === P12.x509Certificate) contents.certificates.push(Buffer.from(value.children[1].children[0].value));
    } else if (bagId === P12.keyBag) {
      contents.privateKeys.push(Buffer.from(value.raw));
    } else if (bagId === P12.shroudedKeyBag) {
      contents.privateKeys.push(await decrypt(value.children[0], value.children[1].value, password));
    } else if (bagId === P12.safeContentsBag) {
      await readSafeContents(value, password, contents, depth + 1);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

export interface BuildPkcs12Options {
  /** Unencrypted PKCS#8 DER. */
  privateKeyDer: Buffer;
  /** DER certificates, leaf first. */
  certificatesDer: Buffer[];
  password: string;
  legacy?: boolean;
  /** Alias shown by keytool and STRUST. */
  friendlyName?: string;
}

function encryptModern(data: Buffer, password: string, iterations: number): {algorithm: Buffer; encrypted: Buffer} {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const encrypted = Buffer.concat([cipher.update(data), cipher.final()]);
  const algorithm = der.algorithm(
    P12.pbes2,
    der.sequence(
      der.algorithm(P12.pbkdf2, der.sequence(der.octetString(salt), der.integer(iterations), der.algorithm('1.2.840.113549.2.9', null))),
      der.algorithm('2.16.840.1.101.3.4.1.42', der.octetString(iv)),
    ),
  );
  return {algorithm, encrypted};
}

function encryptLegacy(data: Buffer, password: string, iterations: number): {algorithm: Buffer; encrypted: Buffer} {
  const salt = randomBytes(8);
  const key = pkcs12Kdf(password, salt, 1, iterations, 24, 'sha1');
  const iv = pkcs12Kdf(password, salt, 2, iterations, 8, 'sha1');
  const cipher = createCipheriv('des-ede3-cbc', key, iv);
  const encrypted = Buffer.concat([cipher.update(data), cipher.final()]);
  return {algorithm: der.algorithm(P12.pbeSha3Des, der.sequence(der.octetString(salt), der.integer(iterations))), encrypted};
}

/** Builds a PFX with one key and its certificates (leaf first); the leaf and key share a localKeyId. */
export function buildPkcs12(options: BuildPkcs12Options): Buffer {
  const iterations = options.legacy ? 2048 : 10_000;
  const encrypt = options.legacy ? encryptLegacy : encryptModern;
  const [leaf] = options.certificatesDer;
  if (!leaf) throw new CpiMtlsError('no-certificate', 'A PKCS#12 file needs at least the client certificate.');
  const localKeyId = createHash('sha1').update(leaf).digest();
  const attributes = der.set(
    der.sequence(der.oid(P12.localKeyId), der.set(der.octetString(localKeyId))),
    ...(options.friendlyName ? [der.sequence(der.oid(P12.friendlyName), der.set(der.bmp(options.friendlyName)))] : []),
  );
  const certificateBags = options.certificatesDer.map((certificate, index) =>
    der.sequence(
      der.oid(P12.certBag),
      der.explicit(0, der.sequence(der.oid(P12.x509Certificate), der.explicit(0, der.octetString(certificate)))),
      ...(index === 0 ? [attributes] : []),
    ),
  );
  const certificates = encrypt(der.sequence(...certificateBags), options.password, iterations);
  const certificatesInfo = der.sequence(
    der.oid(P12.encryptedData),
    der.explicit(0, der.sequence(der.integer(0), der.sequence(der.oid(P12.data), certificates.algorithm, der.implicitPrimitive(0, certificates.encrypted)))),
  );
  const key = encrypt(options.privateKeyDer, options.password, iterations);
  const keyBag = der.sequence(der.oid(P12.shroudedKeyBag), der.explicit(0, der.sequence(key.algorithm, der.octetString(key.encrypted))), attributes);
  const keyInfo = der.sequence(der.oid(P12.data), der.explicit(0, der.octetString(der.sequence(keyBag))));
  const authSafe = der.sequence(certificatesInfo, keyInfo);

  const macHash = options.legacy ? 'sha1' : 'sha256';
  const macSalt = randomBytes(options.legacy ? 8 : 16);
  const macKey = pkcs12Kdf(options.password, macSalt, 3, iterations, options.legacy ? 20 : 32, macHash);
  const mac = createHmac(macHash, macKey).update(authSafe).digest();
  const macAlgorithm = options.legacy ? '1.3.14.3.2.26' : '2.16.840.1.101.3.4.2.1';
  const macData = der.sequence(der.sequence(der.algorithm(macAlgorithm, null), der.octetString(mac)), der.octetString(macSalt), der.integer(iterations));
  return der.sequence(der.integer(3), der.sequence(der.oid(P12.data), der.explicit(0, der.octetString(authSafe))), macData);
}

/** True when the buffer looks like a PFX (so the loader can tell it from a DER certificate). */
export function looksLikePkcs12(buffer: Buffer): boolean {
  try {
    const node = parseDer(buffer);
    return node.tag === TAG.SEQUENCE && node.children[0]?.tag === TAG.INTEGER && integerOf(node.children[0]) === 3 && node.children[1]?.tag === TAG.SEQUENCE;
  } catch {
    return false;
  }
}
