/**
 * The review console (issue 6): a fastify plugin with server-rendered pages for the review queue,
 * header review, mappings and activity. See docs/console.md.
 */
export { consolePlugin, SECURITY_HEADERS } from './plugin.ts';
export type { ConsoleAuth, ConsoleOptions, ConsoleUser } from './options.ts';
export { hashPassword, verifyPassword } from './passwords.ts';
export { hashPasswordFromStream } from './hash-password.ts';
export { ROLES, type Role } from './sessions.ts';
