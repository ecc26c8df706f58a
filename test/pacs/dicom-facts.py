#!/usr/bin/python3
"""An independent reader for the PACS tests (pydicom only): per DICOM file its SOP Instance UID and
series, the sha256 of its PixelData bytes, and its geometry (position, orientation, spacing, size).

usage: dicom-facts.py FILE...   (prints a JSON list)
"""
import hashlib
import json
import sys

import pydicom

out = []
for path in sys.argv[1:]:
    ds = pydicom.dcmread(path)
    out.append({
        'sopInstanceUID': str(ds.SOPInstanceUID),
        'seriesInstanceUID': str(ds.SeriesInstanceUID),
        'transferSyntax': str(ds.file_meta.TransferSyntaxUID),
        'pixelSha256': hashlib.sha256(bytes(ds.PixelData)).hexdigest(),
        'position': [float(v) for v in ds.ImagePositionPatient] if 'ImagePositionPatient' in ds else None,
        'orientation': [float(v) for v in ds.ImageOrientationPatient] if 'ImageOrientationPatient' in ds else None,
        'pixelSpacing': [float(v) for v in ds.PixelSpacing] if 'PixelSpacing' in ds else None,
        'rows': int(ds.Rows), 'columns': int(ds.Columns),
    })
json.dump(out, sys.stdout)
