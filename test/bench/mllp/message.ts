/**
 * The ORU^R01 of `npm run bench:mllp` (about 700 bytes, synthetic patient). Every id in it derives
 * from the MSH-10, so each message is a new report to the store (it de-duplicates by MSH-10 and
 * upserts by report id).
 * @see HL7 v2.5.1 Chapter 7, section 7.3.1 (ORU^R01)
 */
export function benchOru(controlId: string): string {
  return `MSH|^~\\&|RIS|HOSP|ACCLINK|RAD|20240305120000||ORU^R01^ORU_R01|${controlId}|P|2.5.1\r`
    + `PID|1||P${controlId}^^^H^MR||DOE^JANE||19700101|F\rORC|RE||R${controlId}\r`
    + `OBR|1||R${controlId}|CTCHEST^CT chest|||20240305110000|||||||||||ACC${controlId}||||20240305120000|||F\r`
    + `OBX|1|TX|18782-3^Radiology Study observation^LN||No acute findings. ${'Lungs are clear. '.repeat(20)}||||||F\r`;
}
