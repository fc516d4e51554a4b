/**
 * Prints a console password hash for the configuration's user list. The password is read from standard
 * input (never from the command line, where it would land in shell history and the process list):
 *
 *     printf '%s' 'the password' | npx node src/console/hash-password.ts
 */
import { hashPassword } from './passwords.ts';

/** Reads all of `input` as UTF-8 and returns its hash (a trailing newline is dropped). */
export async function hashPasswordFromStream(input: AsyncIterable<Buffer | string>): Promise<string> {
  let text = '';
  for await (const chunk of input) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  return hashPassword(text.replace(/\r?\n$/, ''));
}

if (import.meta.main) {
  try {
    process.stdout.write(`${await hashPasswordFromStream(process.stdin)}\n`);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  }
}
