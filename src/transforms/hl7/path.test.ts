import { describe, expect, it } from 'vitest';
import { ErrorCode, isAcclinkError } from '../../model/errors.ts';
import { parseHl7Path, tryParseHl7Path } from './path.ts';

describe('parseHl7Path', () => {
  it('reads field, component and subcomponent as written', () => {
    expect(parseHl7Path('OBR-18')).toMatchObject({ segment: 'OBR', occurrence: 1, field: 18, repetition: 1 });
    expect(parseHl7Path('OBR-18').component).toBeUndefined();
    expect(parseHl7Path('PID-5.1')).toMatchObject({ field: 5, component: 1 });
    expect(parseHl7Path('OBR-32.1.2')).toMatchObject({ field: 32, component: 1, subcomponent: 2 });
  });

  it('reads segment occurrence and field repetition selectors', () => {
    expect(parseHl7Path('OBX[2]-5')).toMatchObject({ segment: 'OBX', occurrence: 2, field: 5 });
    expect(parseHl7Path('PID-3[2].4')).toMatchObject({ field: 3, repetition: 2, component: 4 });
    expect(parseHl7Path('ZDS-1').segment).toBe('ZDS');
  });

  it('rejects text that is not a position', () => {
    for (const bad of ['OBR18', 'obr-18', 'OBR-0', 'OBR-1.0', 'OB-1', 'OBR-18.', 'OBX[0]-5', '']) {
      expect(tryParseHl7Path(bad), bad).toBeUndefined();
    }
    try {
      parseHl7Path('OBR18');
      expect.unreachable();
    } catch (e) {
      expect(isAcclinkError(e, ErrorCode.Usage)).toBe(true);
    }
  });
});
