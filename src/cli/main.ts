/**
 * acclink command line: `acclink <command> [options]`. Each command prints a short summary at the end;
 * exit code 0 on success (even when some inputs were rejected: they are listed), 2 on usage or
 * configuration errors, 1 on unexpected failures.
 */
import { AcclinkError, ErrorCode } from '../model/errors.ts';
import { demoCommand } from './demo.ts';
import { labelReportCommand } from './label-report.ts';
import { mappingsCommand } from './mappings.ts';
import { serveCommand, workerCommand } from './serve.ts';
import { undoCommand } from './undo.ts';
import { weightsCommand } from './weights.ts';
import { hashPasswordFromStream } from '../console/hash-password.ts';
import { reconcileCommand } from './reconcile.ts';
import { synthCommand } from './synth.ts';

export const USAGE = `acclink — accession-number reconciliation for radiology

Usage: acclink <command> [options]

Commands:
  reconcile   Link DICOM studies with HL7/FHIR reports; write links, corrections, review items
              and the outbound messages that would carry the corrections (dry run)
  synth       Write a synthetic hospital (DICOM, HL7, FHIR, truth.json) with injected errors
  demo        Generate a sample hospital, reconcile it, and print the summary and accuracy
  label-report  Read report text: sections, findings (positive/negative/uncertain) and the exam described
  mappings    "mappings learn": propose standardization data from a site's own archive (YAML + HTML report)
  serve       The streaming engine: MLLP, FHIR and PACS inputs linked as they arrive, corrections
              delivered to the RIS, PACS, archive and FHIR server; embedded defaults, no servers needed
  worker      Link and delivery workers alone, on a shared PostgreSQL and Redis (scale out)
  undo        Send the reverse of a correction through a running engine
  weights     "weights learn-reviews": propose linker weights learned from reviewers' answers in the console
  hash-password  Read a console user's password from standard input and print its scrypt hash

Run "acclink <command> --help" for a command's options.`;

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  reconcile: reconcileCommand,
  synth: synthCommand,
  demo: demoCommand,
  'label-report': labelReportCommand,
  mappings: mappingsCommand,
  serve: (argv) => serveCommand(argv),
  worker: (argv) => workerCommand(argv),
  undo: (argv) => undoCommand(argv),
  weights: (argv) => weightsCommand(argv),
  'hash-password': async (argv) => {
    if (argv.length > 0) {
      process.stdout.write('Usage: printf \'%s\' "password" | acclink hash-password\n\nPrints the scrypt hash to put in engine.console.auth.users[].passwordHash.\n');
      return argv.includes('--help') || argv.includes('-h') ? 0 : 2;
    }
    process.stdout.write(`${await hashPasswordFromStream(process.stdin)}\n`);
    return 0;
  },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`acclink: unknown command "${name}"\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (e) {
    if (e instanceof AcclinkError && (e.code === ErrorCode.Usage || e.code === ErrorCode.ConfigInvalid || e.code === ErrorCode.MappingInvalid || e.code === ErrorCode.FileUnreadable)) {
      process.stderr.write(`acclink ${name}: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`acclink ${name}: unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}
