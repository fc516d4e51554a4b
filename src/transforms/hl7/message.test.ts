import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../model/errors.ts';
import { ErrorCode as Codes, isAcclinkError } from '../../model/errors.ts';
import { Hl7Message, readEncoding } from './message.ts';

const ORU = [
  'MSH|^~\\&|RIS|NORTH^1.2.3^ISO|PACS|NORTH|20240305113500||ORU^R01^ORU_R01|CTRL01|P|2.5.1',
  'PID|1||MRN1^^^NORTH^MR~SSN9^^^SSA^SS||DOE&VAN&DOE^JANE^Q||19800214|F',
  'OBR|1|PL1|FL1|71020^CHEST \\T\\ RIBS^C4|||20240305101500|||||||||||ACC1',
  'OBX|1|TX|&GDT|1|Line one||||||F',
  'OBX|2|TX|&GDT|1|Pipe \\F\\ and caret \\S\\||||||F',
].join('\r');

function codeOf(f: () => unknown): ErrorCode | undefined {
  try {
    f();
  } catch (e) {
    if (isAcclinkError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe('Hl7Message.parse and get', () => {
  const msg = Hl7Message.parse(ORU);

  it('numbers MSH fields as the standard does: MSH-1 is the separator, MSH-2 the encoding characters', () => {
    expect(msg.get('MSH-1')).toBe('|');
    expect(msg.get('MSH-2')).toBe('^~\\&');
    expect(msg.getRaw('MSH-2')).toBe('^~\\&');
    expect(msg.get('MSH-3')).toBe('RIS');
    expect(msg.get('MSH-9')).toBe('ORU');
    expect(msg.get('MSH-9.2')).toBe('R01');
    expect(msg.get('MSH-10')).toBe('CTRL01');
    expect(msg.segment('MSH')?.fieldCount).toBe(12);
  });

  it('exposes type, version and control id', () => {
    expect(msg.type).toEqual({ code: 'ORU', trigger: 'R01', structure: 'ORU_R01' });
    expect(msg.version).toBe('2.5.1');
    expect(msg.controlId).toBe('CTRL01');
  });

  it('reads the first component and subcomponent when a position does not name them', () => {
    expect(msg.get('PID-3')).toBe('MRN1');
    expect(msg.get('PID-5')).toBe('DOE');
    expect(msg.get('PID-5.1')).toBe('DOE');
    expect(msg.get('PID-5.1.2')).toBe('VAN');
    expect(msg.get('PID-5.2')).toBe('JANE');
    expect(msg.get('MSH-4.2')).toBe('1.2.3');
  });

  it('reads repetitions and selected repetitions', () => {
    expect(msg.getRepetitions('PID-3')).toEqual(['MRN1', 'SSN9']);
    expect(msg.getRepetitions('PID-3.5')).toEqual(['MR', 'SS']);
    expect(msg.get('PID-3[2].4')).toBe('SSA');
    expect(msg.getRepetitions('PID-99')).toEqual([]);
  });

  it('unescapes values but keeps raw text available', () => {
    expect(msg.get('OBR-4.2')).toBe('CHEST & RIBS');
    expect(msg.getRaw('OBR-4')).toBe('71020^CHEST \\T\\ RIBS^C4');
    expect(msg.get('OBX[2]-5')).toBe('Pipe | and caret ^');
  });

  it('returns empty text for absent segments, fields and components', () => {
    expect(msg.get('ZDS-1')).toBe('');
    expect(msg.get('OBR-99')).toBe('');
    expect(msg.get('OBR-18.4')).toBe('');
    expect(msg.get('OBX[3]-5')).toBe('');
  });

  it('lists segments by id, in order', () => {
    expect(msg.segments('OBX').map((s) => s.value(1))).toEqual(['1', '2']);
    expect(msg.all.map((s) => s.name)).toEqual(['MSH', 'PID', 'OBR', 'OBX', 'OBX']);
  });

  it('accepts \\n and \\r\\n segment ends, blank lines and MLLP bytes', () => {
    const framed = `\x0b${ORU.replace(/\r/g, '\r\n\n')}\r\x1c\r`;
    const m = Hl7Message.parse(framed);
    expect(m.all).toHaveLength(5);
    expect(m.get('OBR-18')).toBe('ACC1');
  });

  it('honours non-default delimiters', () => {
    const m = Hl7Message.parse('MSH#!*$@#APP#FAC#####ORM!O01#X1#P#2.3\rPID#1##ID1!!!ISS*ID2##A$F$B!C');
    expect(m.encoding).toEqual({ field: '#', component: '!', repetition: '*', escape: '$', subcomponent: '@' });
    expect(m.get('MSH-9.2')).toBe('O01');
    expect(m.get('PID-3.4')).toBe('ISS');
    expect(m.getRepetitions('PID-3')).toEqual(['ID1', 'ID2']);
    expect(m.get('PID-5')).toBe('A#B');
    expect(m.get('PID-5.2')).toBe('C');
  });

  it('tolerates the HL7 2.7 truncation character in MSH-2', () => {
    const m = Hl7Message.parse('MSH|^~\\&#|APP|FAC|||||ORU^R01|X|P|2.8\rOBX|1|ST|||a\\P\\b#c');
    expect(m.encoding.truncation).toBe('#');
    expect(m.get('MSH-2')).toBe('^~\\&#');
    expect(m.get('MSH-3')).toBe('APP');
    expect(m.get('OBX-5')).toBe('a#b#c');
  });
});

describe('Hl7Message.parse errors', () => {
  it('rejects an empty message and one that does not start with MSH', () => {
    expect(codeOf(() => Hl7Message.parse(' \r\n '))).toBe(Codes.Hl7Empty);
    expect(codeOf(() => Hl7Message.parse('PID|1||X\rMSH|^~\\&|A'))).toBe(Codes.Hl7NoMsh);
  });

  it('rejects bad encoding characters', () => {
    const bad = ['MSH', 'MSHA^~\\&|', 'MSH|^~\\|APP', 'MSH|^~\\&#!|APP', 'MSH|^~^&|APP', 'MSH|^|\\&|APP', 'MSH|^~ &|A', 'MSH|^~\\A|A'];
    for (const text of bad) expect(codeOf(() => Hl7Message.parse(text)), text).toBe(Codes.Hl7BadEncodingCharacters);
  });

  it('accepts a header that ends right after MSH-2', () => {
    expect(readEncoding('MSH|^~\\&')).toMatchObject({ component: '^', subcomponent: '&' });
  });
});
