/**
 * The configuration file (YAML), validated with zod. Every key is optional; defaults come from
 * DEFAULT_LINKER_CONFIG and the files in `mappings/`.
 */
import { z } from 'zod';
import { PatientIdVeto } from '../linker/compare/index.ts';

const Probability = z.number().min(0).max(1);

export const ConfigSchema = z
  .object({
    linker: z
      .object({
        thresholds: z
          .object({
            auto: Probability,
            review: Probability,
            candidate: Probability,
            verify: Probability,
            marginBits: z.number().min(0),
          })
          .partial()
          .strict(),
        patientIdVeto: z.enum([PatientIdVeto.Auto, PatientIdVeto.SameIssuer, PatientIdVeto.UnlessIssuersDiffer, PatientIdVeto.Off]),
        accessionSource: z.enum(['report', 'study']),
        mint: z
          .object({ prefix: z.string().regex(/^[A-Za-z0-9]*$/, 'letters and digits only'), digits: z.number().int().min(4).max(15) })
          .partial()
          .strict(),
        multiStudyReports: z.boolean(),
        blocking: z.object({ windowDays: z.number().int().min(0).max(30), maxCandidates: z.number().int().min(1) }).partial().strict(),
        uFromRandomPairs: z.object({ enabled: z.boolean(), samples: z.number().int().min(0), strength: z.number().min(0) }).partial().strict(),
        prior: z.number().gt(0).lt(1),
        seed: z.number().int(),
      })
      .partial()
      .strict(),
    mappings: z
      .object({
        /** Folder holding hl7-fields.yaml, procedure-terms.yaml and linker-weights.yaml (defaults: the shipped ones). */
        dir: z.string(),
        hl7Fields: z.string(),
        procedureTerms: z.string(),
        linkerWeights: z.string(),
        findings: z.string(),
      })
      .partial()
      .strict(),
    standardize: z
      .object({
        /** A standards profile (YAML) to check and correct every header with; `global` for the shipped one. Off when absent. */
        profile: z.string(),
      })
      .partial()
      .strict(),
    evidence: z
      .object({
        /** Compare image-model findings with report findings for studies a header-only pass leaves in review. */
        images: z.boolean(),
        /** Model folders (model.json + model.onnx); default: the shipped models/pneumonia-cxr. */
        models: z.array(z.string()).min(1),
      })
      .partial()
      .strict(),
    /** `acclink serve` / `acclink worker` settings, validated by `src/config/engine.ts` (after `${NAME}` substitution). */
    engine: z.record(z.string(), z.unknown()),
    outbound: z
      .object({
        /** HL7 dialect of procedure updates to the PACS: OMI^O23 (2.5.1) or ORM^O01 (2.3.1). */
        pacsMessage: z.enum(['OMI^O23', 'ORM^O01']),
        sendingApplication: z.string(),
        sendingFacility: z.string(),
        pacs: z.object({ application: z.string(), facility: z.string() }).partial().strict(),
        ris: z.object({ application: z.string(), facility: z.string() }).partial().strict(),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

export type ConfigFile = z.infer<typeof ConfigSchema>;
