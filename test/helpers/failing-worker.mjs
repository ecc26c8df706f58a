// A stand-in engine worker that fails on its first request the way a native fault would:
// a request for graph 'exits' ends the thread with code 3, any other raises an uncaught error.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (req) => {
  if (req.key === 'exits') process.exit(3);
  throw new Error('simulated fault in the engine');
});
