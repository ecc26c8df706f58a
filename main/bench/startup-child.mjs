// The child process of `bench startup`: registers the TypeScript loader as main/delineate.mjs does,
// then makes one start (startup-run.ts) and prints its phases as JSON.
import { register } from 'tsx/esm/api';

register();
const { startupRun } = await import('./startup-run.ts');
console.log(JSON.stringify(await startupRun(JSON.parse(process.argv[2]))));
