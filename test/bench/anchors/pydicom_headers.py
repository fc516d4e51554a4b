"""Anchor for `npm run bench:reconcile`: pydicom header reading, in memory.

Usage: /usr/bin/python3 pydicom_headers.py LIST_FILE REPS
LIST_FILE holds one DICOM file path per line. Every file is read into memory first; then
`dcmread(BytesIO(bytes), stop_before_pixels=True)` is timed over all of them, best of REPS passes,
once alone and once followed by reading the header fields acclink extracts. Prints one JSON object.
"""
import json
import sys
import time
from io import BytesIO

import pydicom

FIELDS = (
    "SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID", "StudyDate", "StudyTime",
    "AccessionNumber", "Modality", "InstitutionName", "ReferringPhysicianName", "StudyDescription",
    "SeriesDescription", "PatientName", "PatientID", "IssuerOfPatientID", "PatientBirthDate", "PatientSex",
    "BodyPartExamined", "RequestedProcedureDescription", "SpecificCharacterSet",
)


def parse_only(blobs):
    for b in blobs:
        pydicom.dcmread(BytesIO(b), stop_before_pixels=True)


def parse_and_read(blobs):
    for b in blobs:
        ds = pydicom.dcmread(BytesIO(b), stop_before_pixels=True)
        for name in FIELDS:
            value = ds.get(name)
            if value is not None:
                str(value)


def best_of(reps, fn, blobs):
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn(blobs)
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    list_file, reps = sys.argv[1], int(sys.argv[2])
    with open(list_file, encoding="utf-8") as f:
        paths = [line for line in f.read().split("\n") if line]
    blobs = []
    for p in paths:
        with open(p, "rb") as f:
            blobs.append(f.read())
    parse_only(blobs[: min(200, len(blobs))])  # warm-up (imports, caches)
    parse_s = best_of(reps, parse_only, blobs)
    fields_s = best_of(reps, parse_and_read, blobs)
    print(json.dumps({
        "version": pydicom.__version__, "files": len(blobs), "reps": reps,
        "parseSeconds": parse_s, "parseAndFieldsSeconds": fields_s,
    }))


if __name__ == "__main__":
    main()
