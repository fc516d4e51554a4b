/**
 * The small part of dcmjs (which ships no types) that acclink uses: writing a Part 10 file from
 * tag-keyed elements. Kept as an ambient module so that only src/transforms/dicom/write.ts imports it.
 */
declare module 'dcmjs' {
  /** One data element in dcmjs's "denaturalized" form: tag `GGGGEEEE` → VR and values. */
  interface DcmjsElement {
    vr: string;
    Value: (string | number | ArrayBuffer)[];
  }
  type DcmjsElements = Record<string, DcmjsElement>;

  interface DicomDict {
    meta: DcmjsElements;
    dict: DcmjsElements;
    /** Serializes File Meta (group 2, explicit VR LE) and the data set in the meta's transfer syntax. */
    write(options?: { allowInvalidVRLength?: boolean; fragmentMultiframe?: boolean }): ArrayBuffer;
  }

  const dcmjs: { data: { DicomDict: new (meta: DcmjsElements) => DicomDict } };
  export default dcmjs;
}
