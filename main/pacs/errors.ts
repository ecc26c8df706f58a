// What went wrong talking to a PACS, as a kind a user (and "Test connection") can act on. Messages
// name the server by host and port only: never a URL's user part, a header, a password or a token.

export type PacsFailure =
  | 'dns' // the host name does not resolve
  | 'refused' // nothing listens on that port
  | 'tls' // the certificate does not verify, or the TLS handshake failed
  | 'auth' // HTTP 401 or 403
  | 'rejected' // DIMSE: the association (or a service on it) was refused, e.g. an AE title not allowed
  | 'not-dicomweb' // something answered, but not as a DICOMweb service
  | 'connection' // the connection broke or timed out mid-request
  | 'http' // a DICOMweb error status (4xx/5xx other than 401/403)
  | 'bad-response' // a DICOMweb answer that cannot be read (truncated multipart, wrong instance)
  | 'config'; // the connection settings themselves are wrong

export class PacsError extends Error {
  override name = 'PacsError';
  constructor(readonly failure: PacsFailure, message: string, readonly status?: number) {
    super(message);
  }
}

/** `host:port` of a URL, for messages (no user part, path or query). */
export function serverName(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`;
}
