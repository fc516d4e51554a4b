import { describe, expect, it } from 'vitest';
import type { Hl7Encoding } from './escape.ts';
import { DEFAULT_HL7_ENCODING, escapeHl7, unescapeHl7 } from './escape.ts';

const ODD: Hl7Encoding = { field: '#', component: '!', repetition: '*', escape: '$', subcomponent: '@' };

describe('escapeHl7', () => {
  it('escapes every delimiter, the escape character first so nothing is escaped twice', () => {
    expect(escapeHl7('a|b^c~d\\e&f')).toBe('a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f');
  });

  it('turns every kind of line break into one \\.br\\', () => {
    expect(escapeHl7('one\r\ntwo\nthree\rfour')).toBe('one\\.br\\two\\.br\\three\\.br\\four');
  });

  it('returns plain text unchanged', () => {
    expect(escapeHl7('CHEST 2 VIEWS, PA/LAT')).toBe('CHEST 2 VIEWS, PA/LAT');
  });

  it('uses the delimiters it is given, and \\P\\ only when a truncation character is declared', () => {
    expect(escapeHl7('#!*$@', ODD)).toBe('$F$$S$$R$$E$$T$');
    expect(escapeHl7('a#b')).toBe('a#b');
    expect(escapeHl7('a#b', { ...DEFAULT_HL7_ENCODING, truncation: '#' })).toBe('a\\P\\b');
  });
});

describe('unescapeHl7', () => {
  it('restores delimiters', () => {
    expect(unescapeHl7('a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f')).toBe('a|b^c~d\\e&f');
  });

  it('round-trips any text through escapeHl7 (line breaks become \\n)', () => {
    const samples = ['|^~\\&', '\\E\\ literally', 'x\\y\\z', 'O\'BRIEN^JR & SONS ~ 100%', 'a\r\nb'];
    for (const s of samples) expect(unescapeHl7(escapeHl7(s))).toBe(s.replace(/\r\n/g, '\n'));
  });

  it('decodes \\.br\\ to a newline and drops \\H\\ / \\N\\ highlighting', () => {
    expect(unescapeHl7('IMPRESSION:\\.br\\\\H\\No\\N\\ fracture')).toBe('IMPRESSION:\nNo fracture');
  });

  it('decodes \\X..\\ hex as UTF-8, falling back to ISO 8859-1', () => {
    expect(unescapeHl7('M\\XC3BC\\ller')).toBe('Müller');
    expect(unescapeHl7('M\\XFC\\ller')).toBe('Müller');
    expect(unescapeHl7('\\X0D0A\\')).toBe('\r\n');
  });

  it('leaves unknown, malformed and unterminated sequences as written', () => {
    expect(unescapeHl7('\\Zfoo\\ and \\.sp\\')).toBe('\\Zfoo\\ and \\.sp\\');
    expect(unescapeHl7('\\XZZ\\ \\X1\\')).toBe('\\XZZ\\ \\X1\\');
    expect(unescapeHl7('C:\\temp')).toBe('C:\\temp');
  });

  it('lets the closing character of an unknown sequence open the next one', () => {
    expect(unescapeHl7('a\\b\\F\\c')).toBe('a\\b|c');
  });

  it('uses the message escape character', () => {
    expect(unescapeHl7('x$F$y$.br$z', ODD)).toBe('x#y\nz');
    expect(unescapeHl7('x\\F\\y', ODD)).toBe('x\\F\\y');
  });

  it('restores the truncation character only when declared', () => {
    expect(unescapeHl7('a\\P\\b', { ...DEFAULT_HL7_ENCODING, truncation: '#' })).toBe('a#b');
    expect(unescapeHl7('a\\P\\b')).toBe('a\\P\\b');
  });
});
