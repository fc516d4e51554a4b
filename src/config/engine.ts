/**
 * The `engine` section of the configuration file: where `acclink serve` / `acclink worker` keep state,
 * what they listen on, and where corrections go. Secrets are never written in the file: any string may
 * be `${NAME}`, read from the environment when the section is resolved (a missing variable is an error
 * naming the key, never a silent empty value).
 */
import { z } from 'zod';
import { AcclinkError, ErrorCode } from '../model/errors.ts';

const Port = z.number().int().min(0).max(65535);
const Tls = z.object({
  keyFile: z.string(), certFile: z.string(), caFile: z.string().optional(),
  /** Listener: ask clients for a certificate (mutual TLS). */
  requestCert: z.boolean().optional(),
}).strict();
const MllpPeer = z.object({ host: z.string().min(1), port: Port.min(1), timeoutMs: z.number().int().min(100).optional(), tls: Tls.partial().optional() }).strict();
const Basic = { username: z.string().optional(), password: z.string().optional() };
const Role = z.enum(['viewer', 'reviewer', 'admin']);

export const EngineSchema = z.object({
  /** PostgreSQL (`url`, e.g. `${DATABASE_URL}`) or embedded PGlite in `dataDir`. Default: env DATABASE_URL, else PGlite/in memory. */
  database: z.object({ url: z.string().optional(), dataDir: z.string().optional(), schema: z.string().optional() }).strict().optional(),
  /** BullMQ on Redis. Default: env REDIS_URL, else the in-process queue. */
  redis: z.object({
    url: z.string(), prefix: z.string().regex(/^[A-Za-z0-9_-]+$/).optional(),
    /** A killed worker's jobs run again after about this long (BullMQ lock duration). Default 30 s. */
    lockDurationMs: z.number().int().min(1000).optional(),
  }).strict().optional(),
  mllp: z.object({
    host: z.string().default('127.0.0.1'), port: Port,
    /** Peer addresses allowed to connect; empty or absent: any. */
    allowedPeers: z.array(z.string()).optional(),
    tls: Tls.optional(),
  }).strict().optional(),
  http: z.object({
    host: z.string().default('127.0.0.1'), port: Port,
    /** Bearer tokens for the API, /metrics and the queue board (several, for rotation). */
    tokens: z.array(z.string()).min(1),
    /** Accept FHIR ImagingStudy/DiagnosticReport/ServiceRequest and Subscription notifications at /fhir. */
    fhirInbound: z.boolean().default(false),
    /** Serve HTTPS (PEM files); plain HTTP when absent (then put a TLS-terminating proxy in front). */
    tls: z.object({ keyFile: z.string(), certFile: z.string() }).strict().optional(),
  }).strict().optional(),
  /** The review console at /console (docs/console.md): its own sign-in (local users or a trusted proxy). */
  console: z.object({
    /** HMAC secret of session cookies and opaque item ids, e.g. `${ACCLINK_CONSOLE_SECRET}`. */
    secret: z.string().min(32, 'at least 32 characters'),
    auth: z.discriminatedUnion('mode', [
      z.object({
        mode: z.literal('local'),
        users: z.array(z.object({ name: z.string().min(1), role: Role, passwordHash: z.string().startsWith('scrypt$', 'a hash from acclink hash-password') }).strict()).min(1),
      }).strict(),
      z.object({
        mode: z.literal('proxy'), userHeader: z.string().optional(), roleHeader: z.string().optional(),
        defaultRole: Role.optional(), trustedAddresses: z.array(z.string()).optional(),
      }).strict(),
    ]),
    /** Mark cookies Secure (HTTPS only); turn off only for plain-HTTP test setups. Default true. */
    secureCookie: z.boolean().default(true),
    /** Folder that relative DICOM paths of scans resolve against, for thumbnails. */
    dicomRoot: z.string().optional(),
    /** Standards profiles the Mappings and Header review pages read and write. */
    mappings: z.object({ dir: z.string(), profile: z.string(), globalFile: z.string().optional() }).strict().optional(),
    /** `header-review.jsonl` of a standardizing run, shown on the Header review page. */
    headerReview: z.object({ file: z.string() }).strict().optional(),
  }).strict().optional(),
  destinations: z.object({
    pacs: z.object({ mllp: MllpPeer }).strict().optional(),
    ris: z.object({ mllp: MllpPeer }).strict().optional(),
    fhir: z.object({ baseUrl: z.url(), token: z.string().optional(), timeoutMs: z.number().int().min(100).optional() }).strict().optional(),
    archive: z.object({ orthanc: z.object({ url: z.url(), ...Basic, keepUids: z.boolean().default(true), timeoutMs: z.number().int().min(100).optional() }).strict() }).strict().optional(),
  }).strict().default({}),
  sources: z.object({
    orthanc: z.object({ url: z.url(), ...Basic, intervalMs: z.number().int().min(100).default(5000) }).strict().optional(),
    fhir: z.object({
      baseUrl: z.url(), token: z.string().optional(), intervalMs: z.number().int().min(100).default(10_000),
      types: z.array(z.enum(['ImagingStudy', 'DiagnosticReport', 'ServiceRequest'])).optional(),
    }).strict().optional(),
    /** Any DICOMweb archive: QIDO-RS search by Study Date, WADO-RS retrieve of one instance per series. `url` is the DICOMweb root (Orthanc: `<url>/dicom-web`). */
    dicomweb: z.object({ url: z.url(), ...Basic, intervalMs: z.number().int().min(100).default(10_000) }).strict().optional(),
  }).strict().default({}),
  /** How often the pending-job outbox is swept into the queue (ms); 0: only at start. */
  sweepIntervalMs: z.number().int().min(0).default(60_000),
}).strict();

export type EngineSettings = z.infer<typeof EngineSchema>;

/**
 * Replaces `${NAME}` in every string of `value` with the environment's value.
 * @throws AcclinkError CONFIG_INVALID naming the key path when a variable is not set.
 */
export function interpolateEnv(value: unknown, env: Readonly<Record<string, string | undefined>>, where = 'engine'): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const v = env[name];
      if (v === undefined || v === '') throw new AcclinkError(ErrorCode.ConfigInvalid, `${where}: environment variable ${name} is not set`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, `${where}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, env, `${where}.${k}`)]));
  }
  return value;
}

/**
 * Validates the raw `engine` section (after `${NAME}` substitution) and applies the environment
 * defaults: `DATABASE_URL` and `REDIS_URL` when the file names no database or Redis.
 */
export function resolveEngineSettings(raw: unknown, env: Readonly<Record<string, string | undefined>>, file = 'config'): EngineSettings {
  const r = EngineSchema.safeParse(interpolateEnv(raw ?? {}, env));
  if (!r.success) {
    throw new AcclinkError(ErrorCode.ConfigInvalid, r.error.issues.map((i) => `${file}: engine.${i.path.map(String).join('.')}: ${i.message}`).join('\n'));
  }
  const s = r.data;
  if (s.console && !s.http) throw new AcclinkError(ErrorCode.ConfigInvalid, `${file}: engine.console: the console is served on the HTTP port: configure engine.http too`);
  if (!s.database?.url && !s.database?.dataDir && env.DATABASE_URL) s.database = { ...s.database, url: env.DATABASE_URL };
  if (!s.redis && env.REDIS_URL) s.redis = { url: env.REDIS_URL };
  return s;
}
