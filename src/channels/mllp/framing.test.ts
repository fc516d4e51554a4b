import { describe, expect, it } from 'vitest';
import type { FrameEvent } from './framing.ts';
import { encodeFrame, MllpFrameDecoder } from './framing.ts';

const texts = (events: FrameEvent[]): string[] =>
  events.flatMap((e) => (e.type === 'frame' ? [e.data.toString('utf8')] : []));

describe('MllpFrameDecoder', () => {
  it('decodes several frames merged in one chunk', () => {
    const d = new MllpFrameDecoder();
    const chunk = Buffer.concat([encodeFrame('MSH|a'), encodeFrame('MSH|b'), encodeFrame('MSH|ç')]);
    expect(texts(d.push(chunk))).toEqual(['MSH|a', 'MSH|b', 'MSH|ç']);
    expect(d.stats).toMatchObject({ frames: 3, strayBytes: 0 });
    expect(d.inFrame).toBe(false);
  });

  it('decodes frames split at every byte boundary, and byte by byte', () => {
    const stream = Buffer.concat([encodeFrame('MSH|one\rPID|1'), encodeFrame('MSH|two')]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new MllpFrameDecoder();
      const got = [...texts(d.push(stream.subarray(0, cut))), ...texts(d.push(stream.subarray(cut)))];
      expect(got, `cut at ${cut}`).toEqual(['MSH|one\rPID|1', 'MSH|two']);
    }
    const d = new MllpFrameDecoder();
    const got: string[] = [];
    for (const b of stream) got.push(...texts(d.push(Uint8Array.of(b))));
    expect(got).toEqual(['MSH|one\rPID|1', 'MSH|two']);
  });

  it('skips and counts stray bytes between frames', () => {
    const d = new MllpFrameDecoder();
    const chunk = Buffer.concat([Buffer.from('\r\n'), encodeFrame('MSH|a'), Buffer.from('junk'), encodeFrame('MSH|b'), Buffer.from('\n')]);
    expect(texts(d.push(chunk))).toEqual(['MSH|a', 'MSH|b']);
    expect(d.stats.strayBytes).toBe(7);
  });

  it('keeps a lone FS as content and restarts on a VT inside a frame', () => {
    const d = new MllpFrameDecoder();
    const ev = d.push(Buffer.concat([Buffer.from('\x0bMSH|x\x1cy'), Buffer.from('\x0bMSH|z\x1c\r')]));
    expect(ev[0]).toEqual({ type: 'truncated', bytes: 7 });
    expect(texts(ev)).toEqual(['MSH|z']);
    const d2 = new MllpFrameDecoder();
    expect(texts([...d2.push(Buffer.from('\x0bMSH|x\x1c')), ...d2.push(Buffer.from('y\x1c\r'))])).toEqual(['MSH|x\x1cy']);
  });

  it('drops an oversized frame, reports it, and carries on', () => {
    const d = new MllpFrameDecoder({ maxFrameBytes: 10 });
    const big = encodeFrame('MSH|' + 'x'.repeat(50));
    const events = [...d.push(big.subarray(0, 20)), ...d.push(Buffer.concat([big.subarray(20), encodeFrame('MSH|ok')]))];
    expect(events[0]).toEqual({ type: 'oversized', bytes: 54 });
    expect(texts(events)).toEqual(['MSH|ok']);
    expect(d.stats).toMatchObject({ oversized: 1, frames: 1 });
    expect(texts(new MllpFrameDecoder({ maxFrameBytes: 6 }).push(encodeFrame('MSH|ok')))).toEqual(['MSH|ok']);
  });

  it('returns copies, not views of the caller chunk', () => {
    const d = new MllpFrameDecoder();
    const chunk = encodeFrame('MSH|a');
    const [ev] = d.push(chunk);
    chunk.fill(0);
    expect(ev?.type === 'frame' && ev.data.toString()).toBe('MSH|a');
  });

  it('rejects a bad limit', () => {
    expect(() => new MllpFrameDecoder({ maxFrameBytes: 0 })).toThrow(RangeError);
  });
});
