#!/usr/bin/env node
// Entry point. Node 24 strips TypeScript types natively, so the CLI runs from source with no build step.
const [major] = process.versions.node.split('.').map(Number);
if ((major ?? 0) < 24) {
  process.stderr.write(`acclink needs Node.js 24 or newer (this is ${process.version}). Run it through "npx acclink" or "npm run acclink --" so the project's Node 24 is used.\n`);
  process.exit(2);
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
