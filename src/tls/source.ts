// Inbound TLS material (TLS_CERT_FILE, TLS_KEY_FILE, optional TLS_CA_FILE to require client
// certificates) that stays current while the gateway runs: cert-manager rotates the certificate
// in a Secret, and Kubernetes updates a mounted Secret by writing a new timestamped directory and
// swapping the `..data` symlink atomically, so the files' own inodes never change and a watch on
// them misses the update. The files are therefore re-checked by PATH: every `intervalMs` the
// resolved files are stat'ed (following symlinks) and, if anything changed, read, checked
// (parsable, key matching the certificate) and applied with server.setSecureContext(). That
// affects new TLS connections only: open keep-alive connections go on with the certificate they
// were set up with, nothing is dropped. A directory watch triggers the same check early when the
// platform delivers events. A bad or mismatched pair is refused and the last good one kept
// (logged, and reported through onReload for a metric). See docs/deployment.md, "Inbound TLS".
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** When set, clients must present a certificate issued by this CA (mutual TLS). */
  caFile?: string | undefined;
}

/** What setSecureContext() and https.createServer() take. */
export type TlsServerOptions = SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean };

export interface TlsLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export type TlsReloadOutcome = 'success' | 'failure';

export interface TlsSourceOptions {
  /** How often the files are re-checked; default 10 s. */
  intervalMs?: number;
  logger?: TlsLogger;
  /** Called after every reload attempt (a changed file), e.g. to count reloads by outcome. */
  onReload?: (outcome: TlsReloadOutcome) => void;
}

export interface TlsCertificateInfo {
  subject: string;
  issuer: string;
  validTo: string;
  fingerprint256: string;
}

/** Minimal server surface: https.Server and tls.Server both have it. */
export interface SecureContextTarget {
  setSecureContext(options: SecureContextOptions): void;
}

export interface TlsSource {
  /** The current options: pass to https.createServer(). */
  options(): TlsServerOptions;
  /** Keeps `server` on the current certificate from now on. */
  attach(server: SecureContextTarget): void;
  /** Re-checks the files now; true when new material was applied. */
  check(): boolean;
  certificate(): TlsCertificateInfo;
  close(): void;
}

export class TlsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsConfigError';
  }
}

interface Material {
  options: TlsServerOptions;
  info: TlsCertificateInfo;
  digest: string;
}

/** stat() follows symlinks: a `..data` swap shows as another inode/mtime/size at the same path. */
function signature(files: TlsFiles): string {
  return [files.certFile, files.keyFile, files.caFile]
    .filter((f): f is string => f !== undefined)
    .map((f) => {
      try {
        const s = statSync(f);
        return `${s.ino}:${s.mtimeMs}:${s.size}`;
      } catch (err) {
        return `missing:${(err as NodeJS.ErrnoException).code ?? 'error'}`;
      }
    })
    .join('|');
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new TlsConfigError(`${what}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Reads and checks the files; throws TlsConfigError saying what is wrong (never key material). */
export function loadTlsMaterial(files: TlsFiles): Material {
  const cert = readPem(files.certFile, 'TLS_CERT_FILE');
  const key = readPem(files.keyFile, 'TLS_KEY_FILE');
  const ca = files.caFile ? readPem(files.caFile, 'TLS_CA_FILE') : undefined;
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new TlsConfigError(`TLS_CERT_FILE: ${files.certFile} holds no PEM certificate (${(err as Error).message})`);
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    throw new TlsConfigError(`TLS_KEY_FILE: ${files.keyFile} holds no PEM private key (${(err as Error).message})`);
  }
  if (!matches) throw new TlsConfigError(`TLS_KEY_FILE: the key in ${files.keyFile} does not belong to the certificate in ${files.certFile}`);
  const options: TlsServerOptions = { cert, key, ...(ca ? { ca } : {}), requestCert: ca !== undefined, rejectUnauthorized: ca !== undefined };
  try {
    // What the server will do with it: catches a CA file that is not PEM, and the like.
    createSecureContext(options);
  } catch (err) {
    throw new TlsConfigError(`TLS files refused by OpenSSL: ${(err as Error).message}`);
  }
  const digest = createHash('sha256').update(cert).update('\0').update(key).update('\0').update(ca ?? '').digest('hex');
  return { options, digest, info: { subject: x509.subject, issuer: x509.issuer, validTo: x509.validTo, fingerprint256: x509.fingerprint256 } };
}

/** Throws TlsConfigError at once when the files are unusable: a server must not start without TLS. */
export function createTlsSource(files: TlsFiles, opts: TlsSourceOptions = {}): TlsSource {
  let current = loadTlsMaterial(files);
  let seen = signature(files);
  const servers = new Set<SecureContextTarget>();
  const log = opts.logger;
  log?.info({ certFile: files.certFile, clientCertificates: files.caFile !== undefined, subject: current.info.subject, validTo: current.info.validTo }, 'TLS certificate loaded');

  const check = (): boolean => {
    const now = signature(files);
    if (now === seen) return false;
    seen = now;
    let next: Material;
    try {
      next = loadTlsMaterial(files);
    } catch (err) {
      // Often the middle of a non-atomic update (certificate written, key not yet): the next
      // change of either file is tried again.
      log?.warn({ err: (err as Error).message, keeping: current.info.fingerprint256 }, 'TLS files changed but are not usable: keeping the last good certificate');
      opts.onReload?.('failure');
      return false;
    }
    if (next.digest === current.digest) return false;
    for (const server of servers) server.setSecureContext(next.options);
    current = next;
    log?.info({ subject: next.info.subject, validTo: next.info.validTo, fingerprint256: next.info.fingerprint256 }, 'TLS certificate reloaded (new connections use it; open ones keep theirs)');
    opts.onReload?.('success');
    return true;
  };

  const timer = setInterval(check, opts.intervalMs ?? 10_000);
  timer.unref();
  const watchers: FSWatcher[] = [];
  for (const dir of new Set([files.certFile, files.keyFile, files.caFile].filter((f): f is string => f !== undefined).map((f) => dirname(f)))) {
    try {
      const w = watch(dir, { persistent: false }, () => void check());
      w.on('error', () => w.close()); // polling still covers it
      watchers.push(w);
    } catch {
      // Some filesystems cannot be watched: polling covers them.
    }
  }

  return {
    options: () => current.options,
    attach(server) {
      servers.add(server);
      server.setSecureContext(current.options);
    },
    check,
    certificate: () => current.info,
    close() {
      clearInterval(timer);
      for (const w of watchers) w.close();
      servers.clear();
    },
  };
}
