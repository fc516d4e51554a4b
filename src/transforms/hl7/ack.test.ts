import { describe, expect, it } from 'vitest';
import { isAcclinkError } from '../../model/errors.ts';
import { buildAck } from './ack.ts';
import { Hl7Message } from './message.ts';

const ORU = 'MSH|^~\\&|RIS|HOSP^1.2.3^ISO|ACCLINK|RAD|20240305120000||ORU^R01^ORU_R01|MSG0001|P|2.5.1\rPID|1||123^^^H^MR\r';
const opts = { controlId: 'ACK-1', timestamp: '20240305120001' };

describe('buildAck', () => {
  it('AA: swaps applications, echoes MSH-10 in MSA-2, has its own MSH-10, no ERR', () => {
    const ack = Hl7Message.parse(buildAck(Hl7Message.parse(ORU), 'AA', opts));
    expect(ack.get('MSH-3')).toBe('ACCLINK');
    expect(ack.get('MSH-4')).toBe('RAD');
    expect(ack.get('MSH-5')).toBe('RIS');
    expect(ack.getRaw('MSH-6')).toBe('HOSP^1.2.3^ISO');
    expect(ack.getRaw('MSH-9')).toBe('ACK^R01^ACK');
    expect(ack.controlId).toBe('ACK-1');
    expect(ack.version).toBe('2.5.1');
    expect(ack.get('MSH-11')).toBe('P');
    expect(ack.get('MSA-1')).toBe('AA');
    expect(ack.get('MSA-2')).toBe('MSG0001');
    expect(ack.segment('ERR')).toBeUndefined();
  });

  it('AE carries ERR-2 location, ERR-3 code^text^HL70357, ERR-4 E', () => {
    const text = buildAck(Hl7Message.parse(ORU), 'AE', { ...opts, error: { code: 101, location: 'PID-3', text: 'Patient id missing' } });
    const ack = Hl7Message.parse(text);
    expect(ack.get('MSA-1')).toBe('AE');
    expect(ack.getRaw('ERR-2')).toBe('PID^1^3');
    expect(ack.getRaw('ERR-3')).toBe('101^Patient id missing^HL70357');
    expect(ack.get('ERR-4')).toBe('E');
  });

  it('AE without error details defaults to 207; AR to 100', () => {
    const msg = Hl7Message.parse(ORU);
    expect(Hl7Message.parse(buildAck(msg, 'AE', opts)).get('ERR-3.1')).toBe('207');
    expect(Hl7Message.parse(buildAck(msg, 'AR', opts)).get('ERR-3.1')).toBe('100');
  });

  it('unparseable original: AR with MSA-2 empty and ACK^^ACK type', () => {
    const ack = Hl7Message.parse(buildAck(undefined, 'AA', { ...opts, error: { code: 100, text: 'No MSH' } }));
    expect(ack.get('MSA-1')).toBe('AR');
    expect(ack.get('MSA-2')).toBe('');
    expect(ack.get('MSH-3')).toBe('ACCLINK');
    expect(ack.getRaw('MSH-9')).toBe('ACK^^ACK');
    expect(ack.get('ERR-3.1')).toBe('100');
  });

  it('re-encodes originals with non-default delimiters and escapes error text', () => {
    const odd = 'MSH#*~\\&#RIS#HOSP*X#ACCLINK#RAD#20240305##ORU*R01#C|1#P#2.3.1\r';
    const ack = Hl7Message.parse(buildAck(Hl7Message.parse(odd), 'AE', { ...opts, error: { code: 207, text: 'a|b' } }));
    expect(ack.getRaw('MSH-6')).toBe('HOSP^X');
    expect(ack.get('MSA-2')).toBe('C|1');
    expect(ack.get('ERR-3.2')).toBe('a|b');
    expect(ack.version).toBe('2.3.1');
  });

  it('rejects an empty control id or a bad timestamp', () => {
    const msg = Hl7Message.parse(ORU);
    expect(() => buildAck(msg, 'AA', { ...opts, controlId: ' ' })).toThrow();
    let err: unknown;
    try { buildAck(msg, 'AA', { ...opts, timestamp: 'yesterday' }); } catch (e) { err = e; }
    expect(isAcclinkError(err, 'USAGE')).toBe(true);
  });
});
