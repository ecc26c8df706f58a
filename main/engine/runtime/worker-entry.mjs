// Worker bootstrap: the worker runs TypeScript sources, so it registers the tsx loader itself
// (a worker does not inherit a loader registered through the module API by its parent).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
