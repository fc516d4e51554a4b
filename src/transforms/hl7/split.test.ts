import { describe, expect, it } from 'vitest';
import { cleanLine, splitHl7Messages } from './split.ts';

const M1 = ['MSH|^~\\&|RIS|A|||20240101||ORU^R01|1|P|2.3', 'PID|1||X1', 'OBR|1||F1'];
const M2 = ['MSH|^~\\&|RIS|A|||20240101||ORU^R01|2|P|2.3', 'PID|1||X2', 'OBR|1||F2'];

describe('splitHl7Messages', () => {
  it('starts a message at each MSH and joins its segments with \\r', () => {
    const s = splitHl7Messages([...M1, ...M2].join('\r'));
    expect(s.messages).toEqual([M1.join('\r'), M2.join('\r')]);
    expect(s.startLines).toEqual([1, 4]);
    expect(s.strayLines).toEqual([]);
  });

  it('accepts \\r, \\n and \\r\\n mixed in one file, and ignores blank lines and stray whitespace', () => {
    const text = `\n\n  ${M1[0]}\r\n${M1[1]}  \n\n\t${M1[2]}\r\r${M2[0]}\n${M2[1]}\r${M2[2]}\n   \n`;
    expect(splitHl7Messages(text).messages).toEqual([M1.join('\r'), M2.join('\r')]);
  });

  it('drops MLLP framing bytes', () => {
    const text = `\x0b${M1.join('\r')}\r\x1c\r\x0b${M2.join('\r')}\r\x1c\r`;
    const s = splitHl7Messages(text);
    expect(s.messages).toEqual([M1.join('\r'), M2.join('\r')]);
    expect(s.strayLines).toEqual([]);
  });

  it('strips FHS/BHS/BTS/FTS batch envelopes', () => {
    const text = ['FHS|^~\\&|RIS', 'BHS|^~\\&|RIS', ...M1, ...M2, 'BTS|2', 'FTS|1'].join('\n');
    const s = splitHl7Messages(text);
    expect(s.messages).toEqual([M1.join('\r'), M2.join('\r')]);
    expect(s.envelopeSegments).toBe(4);
  });

  it('reports lines outside any message instead of gluing them to one', () => {
    const text = ['garbage header', ...M1, 'BTS|1', 'trailing junk'].join('\n');
    const s = splitHl7Messages(text);
    expect(s.messages).toEqual([M1.join('\r')]);
    expect(s.strayLines).toEqual([1, 6]);
  });

  it('keeps a raw line break inside a value as an escaped \\.br\\ in the same segment', () => {
    const text = [...M1, 'OBX|1|TX|&GDT|1|IMPRESSION:', '  No acute disease.||||||F'].join('\n');
    const s = splitHl7Messages(text);
    expect(s.messages[0]?.split('\r').at(-1)).toBe('OBX|1|TX|&GDT|1|IMPRESSION:\\.br\\No acute disease.||||||F');
  });

  it('uses the message escape character for that line break', () => {
    const s = splitHl7Messages('MSH|^~$&|A\nOBX|1|TX|||a\nb');
    expect(s.messages[0]).toBe('MSH|^~$&|A\rOBX|1|TX|||a$.br$b');
  });

  it('does not take a word that starts with MSH for a header', () => {
    const s = splitHl7Messages([...M1, 'OBX|1|TX|||x', 'MSHORTNESS of breath'].join('\n'));
    expect(s.messages).toHaveLength(1);
  });

  it('returns nothing for empty text', () => {
    expect(splitHl7Messages('')).toEqual({ messages: [], startLines: [], strayLines: [], envelopeSegments: 0 });
    expect(splitHl7Messages(' \r\n\x1c\r').messages).toEqual([]);
  });
});

describe('cleanLine', () => {
  it('trims whitespace, control characters and a byte order mark', () => {
    expect(cleanLine('\uFEFF\x0b MSH|x \x1c')).toBe('MSH|x');
    const same = 'PID|1';
    expect(cleanLine(same)).toBe(same);
  });
});
