// A network guard for the app's Node process under test, loaded with
//   NODE_OPTIONS=--import=<this file's URL>  DELINEATE_NET_GUARD_LOG=<file>
// It records every outbound connection (TCP, TLS, UDP) and every name lookup the process starts,
// as JSON lines in the log, and refuses any whose target is not this computer's loopback. Without
// the variable it does nothing. Only tests set it (test/e2e/offline.test.ts); the first line it
// writes names the process, so a test can tell a guarded process that stayed silent from one that
// was never guarded.

import dgram from 'node:dgram';
import dns from 'node:dns';
import { appendFileSync } from 'node:fs';
import net from 'node:net';

const log = process.env.DELINEATE_NET_GUARD_LOG;

/** 127.0.0.0/8, ::1, their IPv4-mapped forms, 'localhost', and local (Unix socket / pipe) paths. */
export function isLoopback(host) {
  if (typeof host !== 'string' || host === '') return true; // Node's default host is localhost
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return net.isIPv4(v4) && v4.startsWith('127.');
}

if (log) {
  const record = (entry) => appendFileSync(log, `${JSON.stringify({ pid: process.pid, ...entry })}\n`);
  const refuse = (what) => Object.assign(new Error(`network guard: ${what} is not loopback; this process may only reach 127.0.0.1`), { code: 'ENETUNREACH' });
  record({ kind: 'guard', argv: process.argv.slice(1, 3) });

  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (...args) {
    const first = Array.isArray(args[0]) ? args[0][0] : args[0]; // internal calls pass [options, cb]
    const o = first !== null && typeof first === 'object' ? first : typeof first === 'string' && Number.isNaN(Number(first)) ? { path: first } : { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
    if (o.path !== undefined) {
      record({ kind: 'connect', path: String(o.path), allowed: true });
      return connect.apply(this, args);
    }
    const allowed = isLoopback(o.host);
    record({ kind: 'connect', host: o.host ?? 'localhost', port: Number(o.port), allowed });
    if (!allowed) {
      const err = refuse(`${o.host}:${o.port}`);
      process.nextTick(() => this.destroy(err));
      return this;
    }
    return connect.apply(this, args);
  };

  const guardLookup = (name, original) =>
    function (hostname, ...rest) {
      const allowed = isLoopback(hostname);
      record({ kind: name, host: hostname, allowed });
      if (allowed) return original.call(this, hostname, ...rest);
      const cb = rest.findLast((a) => typeof a === 'function');
      const err = refuse(`a ${name} of ${hostname}`);
      if (cb) process.nextTick(() => cb(err));
      else return Promise.reject(err);
    };
  for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny']) {
    dns[name] = guardLookup(name, dns[name]);
    dns.promises[name] = guardLookup(name, dns.promises[name]);
  }

  for (const method of ['send', 'connect']) {
    const original = dgram.Socket.prototype[method];
    dgram.Socket.prototype[method] = function (...args) {
      const host = method === 'connect' ? (typeof args[1] === 'string' ? args[1] : undefined) : args.find((a, i) => i > 0 && typeof a === 'string');
      const allowed = isLoopback(host);
      record({ kind: `udp-${method}`, host: host ?? 'localhost', allowed });
      if (!allowed) throw refuse(`UDP to ${host}`);
      return original.apply(this, args);
    };
  }
}
