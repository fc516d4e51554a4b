/**
 * Short radiology report texts by body region. Some lines carry `&` and `^` on purpose, so that the
 * HL7 renderer has to escape them and the parser has to unescape them.
 */
import type { Rng } from '../model/ports.ts';
import type { Region } from './catalogue.ts';
import { chance, pick } from './rand.ts';

const NORMAL: Readonly<Record<Region, readonly string[]>> = {
  chest: ['The lungs are clear.', 'No pleural effusion or pneumothorax.', 'Heart size is normal.', 'Mediastinal contours are unremarkable.'],
  abdomen: ['Liver, spleen & pancreas are unremarkable.', 'No free fluid.', 'Kidneys are normal in size without hydronephrosis.', 'No bowel obstruction.'],
  head: ['No intracranial hemorrhage.', 'No mass effect or midline shift.', 'Ventricles are normal in size.', 'Gray-white matter differentiation is preserved.'],
  knee: ['No fracture or dislocation.', 'Joint spaces are preserved.', 'No joint effusion.'],
  spine: ['Vertebral body heights are maintained.', 'No significant canal stenosis.', 'Conus terminates at L1.'],
  hand: ['No acute fracture.', 'Joint spaces are preserved.', 'Soft tissues are unremarkable.'],
  breast: ['Scattered fibroglandular densities.', 'No suspicious mass or calcification.', 'BI-RADS 1: negative.'],
  bone: ['Physiologic tracer distribution.', 'No focal uptake to suggest metastatic disease.'],
  heart: ['Normal myocardial perfusion at rest & stress.', 'LVEF 62%.', 'No reversible defect.'],
};

const ABNORMAL: Readonly<Record<Region, readonly string[]>> = {
  chest: ['Right lower lobe consolidation, likely pneumonia.', 'Small left pleural effusion.', '8 mm nodule in the right upper lobe (se^im 3^45).'],
  abdomen: ['Simple cyst in segment 7 of the liver, 14 mm.', 'Cholelithiasis without cholecystitis.', 'Mild left hydronephrosis.'],
  head: ['Chronic small vessel ischemic changes.', 'Small chronic lacunar infarct, left basal ganglia.', 'Mucosal thickening of the maxillary sinuses.'],
  knee: ['Medial meniscus posterior horn tear.', 'Moderate joint effusion.', 'Tricompartmental osteoarthritis.'],
  spine: ['L4-L5 & L5-S1 disc bulges with mild foraminal narrowing.', 'Modic type 1 changes at L5-S1.'],
  hand: ['Nondisplaced fracture of the fifth metacarpal neck.', 'Erosive changes at the 2nd & 3rd MCP joints.'],
  breast: ['Grouped amorphous calcifications, left upper outer quadrant.', 'BI-RADS 0: additional imaging needed.'],
  bone: ['Focal uptake in the right 6th rib, likely post-traumatic.', 'Degenerative uptake in both knees.'],
  heart: ['Small reversible inferior wall defect.', 'LVEF 48%.'],
};

const IMPRESSION_NORMAL = ['No acute abnormality.', 'Normal study.', 'No acute findings & no change since prior.'];
const IMPRESSION_ABNORMAL = ['Findings as above.', 'See findings; clinical correlation recommended.', 'Follow-up imaging in 3^6 months suggested.'];

/** Report lines: technique/comparison, findings, impression. */
export function reportText(rng: Rng, region: Region, priorDate: string | null): string[] {
  const abnormal = chance(rng, 0.35);
  const lines = ['FINDINGS:'];
  lines.push(pick(rng, NORMAL[region]), pick(rng, NORMAL[region]));
  if (abnormal) lines.push(pick(rng, ABNORMAL[region]));
  const unique = [...new Set(lines)];
  unique.unshift(priorDate === null ? 'COMPARISON: None.' : `COMPARISON: ${priorDate}.`);
  unique.push('IMPRESSION:', pick(rng, abnormal ? IMPRESSION_ABNORMAL : IMPRESSION_NORMAL));
  return unique;
}
