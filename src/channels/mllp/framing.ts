/**
 * MLLP block framing: `<VT> message <FS><CR>` (0x0B ... 0x1C 0x0D). The decoder is a small state machine
 * fed with socket chunks; create one per connection (it owns its buffers and shares nothing).
 * @see HL7 MLLP Release 2 (HL7 Version 3 Standard: Transport Specification - MLLP, Release 2), section 2 "Block format"
 * @see HL7 v2.5.1 Appendix C, section C.4 "Minimal lower layer protocol"
 */

export const MLLP_START = 0x0b;
export const MLLP_END = 0x1c;
export const MLLP_CR = 0x0d;

/** Default largest accepted frame (content bytes between VT and FS): 1 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/** What one chunk produced, in stream order. */
export type FrameEvent =
  /** A complete frame's content (without VT/FS/CR), a fresh copy. */
  | { readonly type: 'frame'; readonly data: Buffer }
  /** A frame longer than the limit ended; its content was dropped. `bytes` is its full length. */
  | { readonly type: 'oversized'; readonly bytes: number }
  /** A VT arrived before the current frame's FS/CR: the unfinished frame was dropped. */
  | { readonly type: 'truncated'; readonly bytes: number };

/** Running counters of a decoder. */
export interface FrameDecoderStats {
  frames: number;
  /** Bytes outside any frame (between FS/CR and the next VT), skipped. */
  strayBytes: number;
  oversized: number;
  truncated: number;
}

type State = 'idle' | 'frame' | 'discard';

/**
 * Streaming MLLP decoder. A lone FS not followed by CR is kept as content (lenient, as most engines);
 * a VT inside a frame starts a new frame and reports the old one as truncated.
 * @see HL7 MLLP Release 2, section 2
 */
export class MllpFrameDecoder {
  readonly maxFrameBytes: number;
  readonly stats: FrameDecoderStats = { frames: 0, strayBytes: 0, oversized: 0, truncated: 0 };
  #state: State = 'idle';
  #parts: Buffer[] = [];
  #length = 0;
  /** The previous chunk ended with FS inside a frame; the next byte decides whether it was the end. */
  #pendingEnd = false;

  constructor(opts: { maxFrameBytes?: number } = {}) {
    const max = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isInteger(max) || max < 1) throw new RangeError('maxFrameBytes must be a positive integer');
    this.maxFrameBytes = max;
  }

  /** Bytes held for an unfinished frame (0 when idle or discarding). */
  get bufferedBytes(): number {
    return this.#state === 'frame' ? this.#length : 0;
  }

  /** True when a frame has started and not ended. */
  get inFrame(): boolean {
    return this.#state !== 'idle';
  }

  /** Feeds one chunk; returns the frames and problems it completed, in order. */
  push(chunk: Uint8Array): FrameEvent[] {
    const out: FrameEvent[] = [];
    const n = chunk.length;
    let i = 0;
    if (this.#pendingEnd && n > 0) {
      this.#pendingEnd = false;
      if (chunk[0] === MLLP_CR) {
        this.#finish(out);
        i = 1;
      } else {
        this.#append(Uint8Array.of(MLLP_END));
      }
    }
    while (i < n) {
      if (this.#state === 'idle') {
        const start = chunk.indexOf(MLLP_START, i);
        const stop = start < 0 ? n : start;
        this.stats.strayBytes += stop - i;
        if (start < 0) break;
        this.#state = 'frame';
        i = start + 1;
        continue;
      }
      const fs = chunk.indexOf(MLLP_END, i);
      const stop = fs < 0 ? n : fs;
      const restart = chunk.subarray(i, stop).indexOf(MLLP_START);
      if (restart >= 0) {
        this.#append(chunk.subarray(i, i + restart));
        out.push({ type: 'truncated', bytes: this.#length });
        this.stats.truncated++;
        this.#reset();
        this.#state = 'frame';
        i += restart + 1;
        continue;
      }
      this.#append(chunk.subarray(i, stop));
      if (fs < 0) break;
      if (fs + 1 >= n) {
        this.#pendingEnd = true;
        break;
      }
      if (chunk[fs + 1] === MLLP_CR) {
        this.#finish(out);
        i = fs + 2;
      } else {
        this.#append(chunk.subarray(fs, fs + 1));
        i = fs + 1;
      }
    }
    return out;
  }

  #append(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.#length += piece.length;
    if (this.#state === 'discard') return;
    if (this.#length > this.maxFrameBytes) {
      this.#state = 'discard';
      this.#parts = [];
      return;
    }
    // Copy: the caller may reuse its chunk, and frames must never alias another connection's memory.
    this.#parts.push(Buffer.from(piece));
  }

  #finish(out: FrameEvent[]): void {
    if (this.#state === 'discard') {
      out.push({ type: 'oversized', bytes: this.#length });
      this.stats.oversized++;
    } else {
      const parts = this.#parts;
      out.push({ type: 'frame', data: parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, this.#length) });
      this.stats.frames++;
    }
    this.#reset();
  }

  #reset(): void {
    this.#state = 'idle';
    this.#parts = [];
    this.#length = 0;
    this.#pendingEnd = false;
  }
}

/** One MLLP block for `text` (UTF-8 unless `encoding` says otherwise). */
export function encodeFrame(text: string, encoding: BufferEncoding = 'utf8'): Buffer {
  const body = Buffer.from(text, encoding);
  const out = Buffer.allocUnsafe(body.length + 3);
  out[0] = MLLP_START;
  body.copy(out, 1);
  out[body.length + 1] = MLLP_END;
  out[body.length + 2] = MLLP_CR;
  return out;
}
