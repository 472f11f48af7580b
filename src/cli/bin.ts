/** The entry of dist/cli/trace-agent.js: runs the command line (main.ts) and exits with its code. */
import { main } from './main';

// Output piped into a command that stopped reading (`| head`): done, not a failure.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
