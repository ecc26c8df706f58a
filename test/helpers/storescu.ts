// dcmtk's storescu, run asynchronously (the listener it talks to usually lives in the test's own
// process, which a synchronous spawn would block), with short timeouts.

import { spawn } from 'node:child_process';

export function storescu(args: string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('storescu', ['-to', '10', '-ta', '10', '-td', '10', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (status) => resolve({ status, output }));
  });
}
