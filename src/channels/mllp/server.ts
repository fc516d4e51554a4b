/**
 * MLLP listener with original-mode acknowledgement rules:
 * - a frame that is not an HL7 message gets AR (ERR 100/102, or 101 for a missing MSH-9/MSH-10) and
 *   never reaches `handle`;
 * - otherwise `handle` is awaited and its code is sent; the caller's `handle` resolves only once the
 *   message is durably stored and queued, so AA is never sent before that;
 * - a rejected `handle` gives AE with ERR 207 (the error text is not echoed: it could hold PHI);
 * - frames of one connection are handled one at a time and answered in arrival order;
 * - bad frames never close the connection; peers outside `allowedPeers` are closed on accept.
 * @see HL7 MLLP Release 2, section 3 "Interaction model" (one ACK per message, in order)
 * @see HL7 v2.5.1 Chapter 2, section 2.9.2 "Original acknowledgment rules"
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { isAcclinkError, ErrorCode } from '../../model/errors.ts';
import type { AckCode, AckError } from '../../transforms/hl7/ack.ts';
import { buildAck } from '../../transforms/hl7/ack.ts';
import { Hl7Message } from '../../transforms/hl7/message.ts';
import { encodeFrame, MllpFrameDecoder } from './framing.ts';

/** What `handle` learns about a message besides its text. */
export interface MllpMessageMeta {
  /** Remote address (IPv4-mapped IPv6 unwrapped) and port, e.g. `127.0.0.1:50312`. */
  peer: string;
  receivedAt: Date;
  /** The parsed message (already known to have an MSH, MSH-9 and MSH-10). */
  message: Hl7Message;
}

/** The application's answer. `error` text goes on the wire: no PHI. */
export interface MllpHandleResult {
  code: AckCode;
  error?: AckError;
}

/** Something the operator may want to log or count; never carries message content. */
export type MllpServerEvent =
  | { type: 'peer-rejected'; peer: string }
  | { type: 'oversized'; peer: string; bytes: number }
  | { type: 'truncated'; peer: string; bytes: number }
  | { type: 'rejected'; peer: string; code: number }
  | { type: 'handler-failed'; peer: string; error: unknown }
  | { type: 'socket-error'; peer: string; error: Error };

export interface MllpServerOptions {
  handle: (text: string, meta: MllpMessageMeta) => Promise<MllpHandleResult>;
  /** Exact remote IP addresses allowed to connect; all when absent. */
  allowedPeers?: readonly string[];
  /** TLS server options (key, cert, ca, requestCert...); plain TCP when absent. */
  tls?: tls.TlsOptions;
  maxFrameBytes?: number;
  /** The ACK's own MSH-10, unique per call. */
  ackIds: () => string;
  clock: () => Date;
  /** Frames are decoded with this encoding; default UTF-8. */
  encoding?: BufferEncoding;
  /** MSH-3 of ACKs to input that has no MSH; default `ACCLINK`. */
  sendingApplication?: string;
  /** Frames queued on one connection before it stops reading (back-pressure); default 32. */
  maxQueuedFrames?: number;
  /** Close connections idle this long; default none. */
  idleTimeoutMs?: number;
  onEvent?: (event: MllpServerEvent) => void;
}

export interface MllpServer {
  /** Starts listening; resolves with the bound address (use port 0 for an ephemeral port). */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /**
   * Stops accepting, waits for in-flight handlers to finish and their ACKs to be written, then closes.
   * After `timeoutMs` (default 30 s) remaining connections are destroyed: their messages get no ACK,
   * so senders retry them (no AA was sent, nothing is lost).
   */
  close(opts?: { timeoutMs?: number }): Promise<void>;
  /** Open connections. */
  readonly connections: number;
}

/** `YYYYMMDDHHMMSS.SSS+0000` in UTC. */
export function hl7Timestamp(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}`
    + `${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}+0000`;
}

function normalizeIp(ip: string | undefined): string {
  if (ip === undefined) return '';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

interface Connection {
  socket: net.Socket;
  peer: string;
  tail: Promise<void>;
  queued: number;
}

/**
 * Creates (but does not start) an MLLP listener.
 * @see HL7 MLLP Release 2; HL7 v2.5.1 Chapter 2, sections 2.9.2 and 2.14.1
 */
export function createMllpServer(opts: MllpServerOptions): MllpServer {
  const allowed = opts.allowedPeers === undefined ? undefined : new Set(opts.allowedPeers.map(normalizeIp));
  const maxQueued = opts.maxQueuedFrames ?? 32;
  const encoding = opts.encoding ?? 'utf8';
  const open = new Set<Connection>();
  let closing = false;
  const emit = (e: MllpServerEvent): void => {
    try { opts.onEvent?.(e); } catch { /* a logging hook must not break the listener */ }
  };

  const ack = (original: Hl7Message | undefined, code: AckCode, error?: AckError): Buffer => encodeFrame(buildAck(original, code, {
    controlId: opts.ackIds(),
    timestamp: hl7Timestamp(opts.clock()),
    ...(error === undefined ? {} : { error }),
    ...(opts.sendingApplication === undefined ? {} : { sendingApplication: opts.sendingApplication }),
  }), encoding);

  /** Parses and answers one frame; resolves with the ACK bytes (never rejects). */
  async function process(text: string, conn: Connection, receivedAt: Date): Promise<Buffer> {
    let msg: Hl7Message;
    try {
      msg = Hl7Message.parse(text);
    } catch (e) {
      const code = isAcclinkError(e, ErrorCode.Hl7BadEncodingCharacters) ? 102 : 100;
      emit({ type: 'rejected', peer: conn.peer, code });
      return ack(undefined, 'AR', { code, location: 'MSH', text: code === 102 ? 'Bad MSH-1/MSH-2 encoding characters' : 'Message does not start with MSH' });
    }
    const missing = msg.type.code === '' ? 'MSH-9' : msg.controlId === '' ? 'MSH-10' : undefined;
    if (missing !== undefined) {
      emit({ type: 'rejected', peer: conn.peer, code: 101 });
      return ack(msg, 'AR', { code: 101, location: missing, text: `${missing} is required` });
    }
    try {
      const result = await opts.handle(text, { peer: conn.peer, receivedAt, message: msg });
      return ack(msg, result.code, result.error);
    } catch (error) {
      emit({ type: 'handler-failed', peer: conn.peer, error });
      return ack(msg, 'AE', { code: 207, text: 'Application internal error' });
    }
  }

  function enqueue(conn: Connection, work: () => Promise<Buffer>): void {
    conn.queued++;
    if (conn.queued >= maxQueued) conn.socket.pause();
    conn.tail = conn.tail.then(async () => {
      let reply: Buffer;
      try {
        reply = await work();
      } catch (error) {
        // buildAck only throws on bad injected ids/clock: a programming error, reported, frame unanswered.
        emit({ type: 'handler-failed', peer: conn.peer, error });
        return;
      } finally {
        conn.queued--;
        if (conn.queued < maxQueued && !closing) conn.socket.resume();
      }
      if (conn.socket.writable) conn.socket.write(reply);
    });
  }

  function onConnection(socket: net.Socket): void {
    const ip = normalizeIp(socket.remoteAddress);
    const peer = `${ip}:${socket.remotePort ?? 0}`;
    socket.on('error', (error) => emit({ type: 'socket-error', peer, error }));
    if (closing || (allowed !== undefined && !allowed.has(ip))) {
      if (!closing) emit({ type: 'peer-rejected', peer });
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    if (opts.idleTimeoutMs !== undefined) socket.setTimeout(opts.idleTimeoutMs, () => socket.destroy());
    const conn: Connection = { socket, peer, tail: Promise.resolve(), queued: 0 };
    const decoder = new MllpFrameDecoder(opts.maxFrameBytes === undefined ? {} : { maxFrameBytes: opts.maxFrameBytes });
    open.add(conn);
    socket.on('close', () => open.delete(conn));
    socket.on('data', (chunk: Buffer) => {
      if (closing) return; // frames arriving after close() get no ACK: the sender retries elsewhere
      const receivedAt = opts.clock();
      for (const ev of decoder.push(chunk)) {
        if (ev.type === 'frame') {
          const text = ev.data.toString(encoding);
          enqueue(conn, () => process(text, conn, receivedAt));
        } else if (ev.type === 'oversized') {
          emit({ type: 'oversized', peer, bytes: ev.bytes });
          const max = decoder.maxFrameBytes;
          enqueue(conn, () => Promise.resolve(ack(undefined, 'AR', { code: 100, text: `Frame exceeds ${max} bytes` })));
        } else {
          emit({ type: 'truncated', peer, bytes: ev.bytes });
        }
      }
    });
  }

  const server = opts.tls === undefined
    ? net.createServer(onConnection)
    : tls.createServer(opts.tls, onConnection);
  if (opts.tls !== undefined) {
    // TLS handshake failures are the client's problem; keep listening.
    server.on('tlsClientError', (error: Error, socket: tls.TLSSocket) => {
      emit({ type: 'socket-error', peer: normalizeIp(socket.remoteAddress), error });
    });
  }

  return {
    get connections() {
      return open.size;
    },
    listen(port: number, host = '127.0.0.1'): Promise<AddressInfo> {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async close(closeOpts?: { timeoutMs?: number }): Promise<void> {
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      const deadline = setTimeout(() => {
        for (const conn of open) conn.socket.destroy();
      }, closeOpts?.timeoutMs ?? 30_000);
      await Promise.all([...open].map(async (conn) => {
        await Promise.race([conn.tail, new Promise<void>((resolve) => conn.socket.once('close', () => resolve()))]);
        await new Promise<void>((resolve) => {
          if (conn.socket.destroyed) return resolve();
          conn.socket.once('close', () => resolve());
          conn.socket.end();
          // A peer that never closes its side must not hold shutdown forever.
          setTimeout(() => conn.socket.destroy(), 2000).unref();
        });
      }));
      clearTimeout(deadline);
      await stopped;
    },
  };
}
