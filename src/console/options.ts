/**
 * Options of the review console plugin: where decisions go, how people sign in, and what the pages may
 * read (the findings lexicon for report highlighting, DICOM files for thumbnails, mapping files).
 */
import type { DecisionDeps } from '../engine/decisions.ts';
import type { FindingsLexicon } from '../transforms/report-text/index.ts';
import type { ProcedureTerms } from '../transforms/standardize/procedure.ts';
import type { Role } from './sessions.ts';

/** A local console user; `passwordHash` comes from `hashPassword` (see `hash-password.ts`). */
export interface ConsoleUser {
  name: string;
  role: Role;
  passwordHash: string;
}

/**
 * Who may use the console: local users with scrypt password hashes, or a trusted reverse proxy that
 * authenticates people and names them (and their role) in request headers.
 */
export type ConsoleAuth =
  | { mode: 'local'; users: readonly ConsoleUser[] }
  | {
    mode: 'proxy';
    /** Header naming the user; default `x-remote-user`. */
    userHeader?: string;
    /** Header naming the role (`viewer`, `reviewer`, `admin`); default `x-remote-role`. */
    roleHeader?: string;
    /** Role when the role header is absent; default: none (the request is refused). */
    defaultRole?: Role;
    /**
     * Peer addresses allowed to assert these headers (the proxy's); default loopback only. A request
     * from anywhere else is refused, so that nobody can name themselves by sending the header directly.
     */
    trustedAddresses?: readonly string[];
  };

/** One proposed header value a person should decide (a `header-review.jsonl` line of a standardizing run). */
export interface HeaderReviewSource {
  /** JSON lines file written by `acclink reconcile --standardize` (`header-review.jsonl`). */
  file: string;
}

/** Where standards profiles live and which one records reviewers' synonyms. */
export interface MappingsOptions {
  /** Folder of standards profile files (`*.yaml`), e.g. a site's copy of `mappings/standards`. */
  dir: string;
  /** File in `dir` that header review decisions add synonyms to, e.g. `site.yaml`. */
  profile: string;
  /** The global profile site profiles refer to; default: `global.yaml` in `dir`, else the shipped one. */
  globalFile?: string;
}

export interface ConsoleOptions {
  /** The engine's decision path (store, queue, config, clock, destinations): console actions go through it. */
  decisions: DecisionDeps;
  auth: ConsoleAuth;
  /** HMAC secret for session cookies and opaque item ids: at least 32 characters, from configuration. */
  secret: string;
  /** Mark cookies `Secure` (HTTPS only). Default true; turn off only behind plain-HTTP test setups. */
  secureCookie?: boolean;
  /** Session ends after this long without a request. Default 8 hours. */
  sessionIdleMs?: number;
  /** Session ends this long after sign-in. Default 24 hours. */
  sessionMaxAgeMs?: number;
  /** Report labeler lexicon, for highlighting findings and negations; without it, report text is shown plain. */
  lexicon?: FindingsLexicon;
  /** Procedure terms for the labeler (exam section detection); default `decisions.config.procedureTerms`. */
  procedureTerms?: ProcedureTerms;
  /** Folder that relative DICOM source paths are resolved against, for thumbnails; default: as stored. */
  dicomRoot?: string;
  /** Where the queue board (bull-board) is mounted, linked in the navigation; `false` hides it. Default `/admin/queues`. */
  queueBoard?: string | false;
  /** Standards profiles the Mappings and Header review pages read and write. */
  mappings?: MappingsOptions;
  /** Header review items to show. */
  headerReview?: HeaderReviewSource;
}

/** Options with defaults applied. */
export interface ResolvedOptions extends ConsoleOptions {
  secureCookie: boolean;
  sessionIdleMs: number;
  sessionMaxAgeMs: number;
  procedureTerms: ProcedureTerms;
  queueBoard: string | false;
}

/** Applies defaults and rejects unusable settings (a short secret, duplicate or role-less users). */
export function resolveOptions(o: ConsoleOptions): ResolvedOptions {
  if (typeof o.secret !== 'string' || o.secret.length < 32) throw new RangeError('console secret must be at least 32 characters');
  if (o.auth.mode === 'local') {
    const names = new Set<string>();
    for (const u of o.auth.users) {
      if (!u.name || names.has(u.name)) throw new RangeError(`console user "${u.name}" is empty or listed twice`);
      names.add(u.name);
    }
  }
  return {
    ...o,
    secureCookie: o.secureCookie ?? true,
    sessionIdleMs: o.sessionIdleMs ?? 8 * 3600_000,
    sessionMaxAgeMs: o.sessionMaxAgeMs ?? 24 * 3600_000,
    procedureTerms: o.procedureTerms ?? o.decisions.config.procedureTerms,
    queueBoard: o.queueBoard ?? '/admin/queues',
  };
}
