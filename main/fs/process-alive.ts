/**
 * Whether a process with this pid runs on this machine (signal 0 probes without sending). EPERM
 * means it exists under another user. Used to tell a live lock or temporary from a stale one.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
