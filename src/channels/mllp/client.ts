/**
 * Outbound MLLP: send a message, wait for its acknowledgement. One message in flight per connection,
 * as MLLP requires; {@link connectMllp} keeps a connection for many messages, {@link sendMllp} opens
 * one for a single message.
 * @see HL7 MLLP Release 2, section 3 "Interaction model"
 * @see HL7 v2.5.1 Chapter 2, section 2.9.2 "Original acknowledgment rules"; 2.14.8 "MSA"
 */
import net from 'node:net';
import tls from 'node:tls';
import { Hl7Message } from '../../transforms/hl7/message.ts';
import { encodeFrame, MllpFrameDecoder } from './framing.ts';
import { AcclinkError, ErrorCode } from '../../model/errors.ts';

/** Stable codes of {@link MllpError}: match on these, never on the message text. */
/** The MLLP client's error codes: a subset of the core's ErrorCode, so callers match on one vocabulary. */
export const MllpErrorCode = {
  /** No ACK (or no connection) within `timeoutMs`. */
  Timeout: ErrorCode.MllpTimeout,
  /** TCP/TLS connection failed or broke. */
  Connection: ErrorCode.MllpConnection,
  /** The peer closed the connection before acknowledging. */
  Closed: ErrorCode.MllpClosed,
  /** The reply is not an ACK with MSA, or acknowledges another control id. */
  BadAck: ErrorCode.MllpBadAck,
} as const;
export type MllpErrorCode = (typeof MllpErrorCode)[keyof typeof MllpErrorCode];

/** Error of the MLLP client: an AcclinkError with one of the MLLP codes. */
export class MllpError extends AcclinkError {
  declare readonly code: MllpErrorCode;
  constructor(code: MllpErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'MllpError';
  }
}

/** Acknowledgement codes in original and enhanced mode (table 0008). */
export type AckResultCode = 'AA' | 'AE' | 'AR' | 'CA' | 'CE' | 'CR';

export interface MllpAck {
  ack: Hl7Message;
  /** MSA-1. */
  code: AckResultCode;
}

export interface MllpConnectOptions {
  host: string;
  port: number;
  /** Bounds the connection and each send. */
  timeoutMs: number;
  /** TLS client options (ca, cert, key, servername...); plain TCP when absent. */
  tls?: tls.ConnectionOptions;
  maxFrameBytes?: number;
}

const ACK_CODES: ReadonlySet<string> = new Set(['AA', 'AE', 'AR', 'CA', 'CE', 'CR']);

/** A kept-open MLLP connection. */
export interface MllpClient {
  /** Sends one message and resolves with its ACK; calls are queued, one in flight at a time. */
  send(message: string, opts?: { timeoutMs?: number }): Promise<MllpAck>;
  close(): Promise<void>;
}

function checkAck(text: string, sent: string): MllpAck {
  let ack: Hl7Message;
  try {
    ack = Hl7Message.parse(text);
  } catch (cause) {
    throw new MllpError(MllpErrorCode.BadAck, 'reply is not an HL7 message', { cause });
  }
  const code = ack.get('MSA-1').trim();
  if (!ACK_CODES.has(code)) throw new MllpError(MllpErrorCode.BadAck, 'reply has no valid MSA-1');
  const acked = ack.get('MSA-2').trim();
  // An AR to unparseable input has MSA-2 empty; anything else must name our control id.
  if (acked !== sent && !(acked === '' && code !== 'AA' && code !== 'CA')) {
    throw new MllpError(MllpErrorCode.BadAck, 'ACK acknowledges a different control id');
  }
  return { ack, code: code as AckResultCode };
}

/**
 * Opens a connection.
 * @throws MllpError MLLP_TIMEOUT or MLLP_CONNECTION.
 */
export async function connectMllp(opts: MllpConnectOptions): Promise<MllpClient> {
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = opts.tls === undefined
      ? net.connect({ host: opts.host, port: opts.port })
      : tls.connect({ host: opts.host, port: opts.port, ...opts.tls });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new MllpError(MllpErrorCode.Timeout, `no connection within ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    s.once(opts.tls === undefined ? 'connect' : 'secureConnect', () => {
      clearTimeout(timer);
      s.off('error', fail);
      resolve(s);
    });
    const fail = (cause: Error): void => {
      clearTimeout(timer);
      reject(new MllpError(MllpErrorCode.Connection, 'connection failed', { cause }));
    };
    s.once('error', fail);
  });
  socket.setNoDelay(true);
  const decoder = new MllpFrameDecoder(opts.maxFrameBytes === undefined ? {} : { maxFrameBytes: opts.maxFrameBytes });
  let waiter: { resolve: (text: string) => void; reject: (e: MllpError) => void } | undefined;
  let broken: MllpError | undefined;
  const breakWith = (e: MllpError): void => {
    broken ??= e;
    waiter?.reject(e);
    waiter = undefined;
  };
  socket.on('data', (chunk: Buffer) => {
    for (const ev of decoder.push(chunk)) {
      if (ev.type !== 'frame') continue;
      if (waiter === undefined) continue; // unsolicited frame (e.g. a late ACK after a timeout): ignored
      const w = waiter;
      waiter = undefined;
      w.resolve(ev.data.toString('utf8'));
    }
  });
  socket.on('error', (cause) => breakWith(new MllpError(MllpErrorCode.Connection, 'connection broke', { cause })));
  socket.on('close', () => breakWith(new MllpError(MllpErrorCode.Closed, 'connection closed by peer')));

  let tail: Promise<unknown> = Promise.resolve();
  const sendOne = async (message: string, timeoutMs: number): Promise<MllpAck> => {
    if (broken !== undefined) throw broken;
    const sentId = Hl7Message.parse(message).controlId;
    const text = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiter = undefined;
        // After a timeout the stream position is unknown: a late ACK would be taken for the next one.
        const e = new MllpError(MllpErrorCode.Timeout, `no ACK within ${timeoutMs} ms`);
        broken ??= e;
        socket.destroy();
        reject(e);
      }, timeoutMs);
      waiter = {
        resolve: (t) => { clearTimeout(timer); resolve(t); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
      socket.write(encodeFrame(message));
    });
    return checkAck(text, sentId);
  };

  return {
    send(message, sendOpts) {
      const run = tail.then(() => sendOne(message, sendOpts?.timeoutMs ?? opts.timeoutMs));
      tail = run.catch(() => undefined);
      return run;
    },
    async close() {
      await tail;
      if (socket.destroyed) return;
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.end();
        setTimeout(() => socket.destroy(), 1000).unref();
      });
    },
  };
}

/**
 * Sends one message on a new connection and returns its ACK; the connection is closed afterwards.
 * `timeoutMs` bounds connecting and waiting for the ACK, each.
 * @throws MllpError MLLP_TIMEOUT, MLLP_CONNECTION, MLLP_CLOSED or MLLP_BAD_ACK.
 */
export async function sendMllp(opts: MllpConnectOptions & { message: string }): Promise<MllpAck> {
  const client = await connectMllp(opts);
  try {
    return await client.send(opts.message);
  } finally {
    await client.close();
  }
}
