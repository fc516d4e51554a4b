import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ErrorCode, isAcclinkError } from '../../model/errors.ts';
import { DEFAULT_HL7_FIELD_MAPPING, parseHl7FieldMapping } from './mapping.ts';

const yamlText = readFileSync(new URL('../../../mappings/hl7-fields.yaml', import.meta.url), 'utf8');

function mappingError(data: unknown): string {
  try {
    parseHl7FieldMapping(data);
  } catch (e) {
    if (isAcclinkError(e, ErrorCode.MappingInvalid)) return e.message;
    throw e;
  }
  throw new Error('mapping was accepted');
}

describe('mappings/hl7-fields.yaml', () => {
  it('states every default explicitly and equals DEFAULT_HL7_FIELD_MAPPING', () => {
    const data: unknown = parseYaml(yamlText);
    expect(data).toEqual(DEFAULT_HL7_FIELD_MAPPING);
    expect(parseHl7FieldMapping(data)).toEqual(DEFAULT_HL7_FIELD_MAPPING);
  });
});

describe('parseHl7FieldMapping', () => {
  it('fills keys a site file leaves out with the defaults', () => {
    const m = parseHl7FieldMapping({ version: 1, fields: { accession: ['OBR-18', 'OBR-19', 'ORC-4', 'ZDS-1'] } });
    expect(m.fields.accession).toEqual(['OBR-18', 'OBR-19', 'ORC-4', 'ZDS-1']);
    expect(m.fields.reportId).toEqual(DEFAULT_HL7_FIELD_MAPPING.fields.reportId);
    expect(m.text).toEqual(DEFAULT_HL7_FIELD_MAPPING.text);
  });

  it('returns a frozen mapping', () => {
    const m = parseHl7FieldMapping({ version: 1 });
    expect(Object.isFrozen(m.fields)).toBe(true);
    expect(Object.isFrozen(DEFAULT_HL7_FIELD_MAPPING.fields.accession)).toBe(true);
  });

  it('names the path and the bad position', () => {
    const msg = mappingError({ version: 1, fields: { accession: ['OBR-18', 'OBR18'] } });
    expect(msg).toContain("fields.accession[1] 'OBR18': is not an HL7 position");
  });

  it('rejects unknown keys, so a misspelt key is not silently ignored', () => {
    expect(mappingError({ version: 1, fields: { acession: ['OBR-18'] } })).toContain('fields');
    expect(mappingError({ version: 1, fields: { acession: ['OBR-18'] } })).toMatch(/acession/);
    expect(mappingError({ version: 1, extra: true })).toMatch(/extra/);
  });

  it('requires version 1 and a non-empty list per field', () => {
    expect(mappingError({ fields: {} })).toContain('version');
    expect(mappingError({ version: 2 })).toContain('version: must be 1');
    expect(mappingError({ version: 1, fields: { reportId: [] } })).toContain('fields.reportId: must list at least one position');
    expect(mappingError({ version: 1, fields: { reportId: 'OBR-3' } })).toContain('fields.reportId');
  });

  it('requires whole fields for composite readers', () => {
    expect(mappingError({ version: 1, fields: { patientName: ['PID-5.1'] } })).toContain('fields.patientName[0]');
    expect(parseHl7FieldMapping({ version: 1, fields: { patientName: ['PID-5', 'PID-9'] } }).fields.patientName).toEqual(['PID-5', 'PID-9']);
  });

  it('checks the text block and code lists', () => {
    expect(mappingError({ version: 1, text: { field: 'NTE-3', valueTypes: ['TX'] } })).toContain('text.field');
    expect(mappingError({ version: 1, text: { field: 'OBX-5', valueTypes: [] } })).toContain('text.valueTypes');
    expect(mappingError({ version: 1, patientIdTypes: ['MR', ' '] })).toContain('patientIdTypes[1]');
    expect(mappingError({ version: 1, sectionModalities: { CT: '' } })).toContain('sectionModalities.CT');
  });

  it('lists every problem at once', () => {
    const msg = mappingError({ version: 1, fields: { accession: ['X'], sex: ['Y'] } });
    expect(msg).toContain('fields.accession[0]');
    expect(msg).toContain('fields.sex[0]');
  });

  it('rejects a document that is not a mapping', () => {
    expect(mappingError(null)).toContain('(root)');
    expect(mappingError('accession: OBR-18')).toContain('(root)');
  });
});
