// Requests Node refuses before Fastify sees them (headers or URL past the size limit, malformed
// HTTP, a client too slow to send its request) still get an OData error body, and the connection
// is closed with `Connection: close` said first, so a client that keeps connections alive does not
// send its next request into a socket that is going away.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

interface ClientError extends Error {
  readonly code?: string;
}

function answerFor(error: ClientError, maxUrlLength: number): { status: number; code: string; message: string } {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'BadRequest', message: `The request line and headers are too large: the URL may be at most ${maxUrlLength} characters.` };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'RequestTimeout', message: 'The request was not received in time.' };
    default:
      return { status: 400, code: 'BadRequest', message: 'The request is not valid HTTP.' };
  }
}

/** Fastify's `clientErrorHandler`. */
export function clientErrorHandler(maxUrlLength: number): (error: ClientError, socket: Socket) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    if (socket.writable) {
      const { status, code, message } = answerFor(error, maxUrlLength);
      const body = JSON.stringify({ error: { code, message } });
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `OData-Version: 4.0\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
    socket.destroySoon();
  };
}
