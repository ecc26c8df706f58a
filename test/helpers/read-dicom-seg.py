#!/usr/bin/python3
"""An independent reader of DICOM SEG files for the tests: pydicom only (no numpy), the 1-bit frames
unpacked here from the raw PixelData bytes. Prints JSON with the SEG's attributes, segments and
frames, and with the UIDs, positions and patient/study attributes of the source files named after it.

usage: read-dicom-seg.py SEG.dcm|- [SOURCE.dcm ...]   (- : only the sources)
"""
import json
import sys

import pydicom


def person(v):
    return None if v is None else str(v)


def read_seg(path):
    seg = pydicom.dcmread(path)
    rows, cols = int(seg.Rows), int(seg.Columns)
    n = int(getattr(seg, 'NumberOfFrames', 1))
    data = bytes(seg.PixelData)
    pixels = rows * cols
    shared = seg.SharedFunctionalGroupsSequence[0]
    frames = []
    for f, group in enumerate(seg.PerFrameFunctionalGroupsSequence):
        base = f * pixels
        bits = ''.join('1' if (data[(base + i) >> 3] >> ((base + i) & 7)) & 1 else '0' for i in range(pixels))
        source = group.DerivationImageSequence[0].SourceImageSequence[0]
        frames.append({
            'sopInstanceUID': str(source.ReferencedSOPInstanceUID),
            'sopClassUID': str(source.ReferencedSOPClassUID),
            'purpose': str(source.PurposeOfReferenceCodeSequence[0].CodeValue),
            'frameNumber': int(source.ReferencedFrameNumber) if 'ReferencedFrameNumber' in source else None,
            'segment': int(group.SegmentIdentificationSequence[0].ReferencedSegmentNumber),
            'position': [float(v) for v in group.PlanePositionSequence[0].ImagePositionPatient],
            'dimensionIndexValues': [int(v) for v in group.FrameContentSequence[0].DimensionIndexValues],
            'bits': bits,
        })
    measures = shared.PixelMeasuresSequence[0]
    return {
        'sopClassUID': str(seg.SOPClassUID),
        'sopInstanceUID': str(seg.SOPInstanceUID),
        'mediaSopInstanceUID': str(seg.file_meta.MediaStorageSOPInstanceUID),
        'transferSyntax': str(seg.file_meta.TransferSyntaxUID),
        'modality': str(seg.Modality),
        'segmentationType': str(seg.SegmentationType),
        'bitsAllocated': int(seg.BitsAllocated),
        'rows': rows, 'columns': cols, 'numberOfFrames': n, 'pixelDataBytes': len(data),
        'studyInstanceUID': str(seg.StudyInstanceUID),
        'seriesInstanceUID': str(seg.SeriesInstanceUID),
        'frameOfReferenceUID': str(seg.FrameOfReferenceUID),
        'patientID': str(seg.PatientID),
        'patientName': person(seg.PatientName),
        'referringPhysicianName': person(seg.ReferringPhysicianName),
        'accessionNumber': str(seg.AccessionNumber),
        'studyDate': str(seg.StudyDate),
        'manufacturer': str(seg.Manufacturer),
        'seriesDescription': str(getattr(seg, 'SeriesDescription', '')),
        'orientation': [float(v) for v in shared.PlaneOrientationSequence[0].ImageOrientationPatient],
        'pixelSpacing': [float(v) for v in measures.PixelSpacing],
        'sliceThickness': float(measures.SliceThickness) if 'SliceThickness' in measures else None,
        'spacingBetweenSlices': float(measures.SpacingBetweenSlices) if 'SpacingBetweenSlices' in measures else None,
        'dimensionPointers': [[str(d.DimensionIndexPointer), str(d.FunctionalGroupPointer)] for d in seg.DimensionIndexSequence],
        'referencedSeries': [{
            'seriesInstanceUID': str(s.SeriesInstanceUID),
            'sopInstanceUIDs': [str(r.ReferencedSOPInstanceUID) for r in s.ReferencedInstanceSequence],
        } for s in seg.ReferencedSeriesSequence],
        'segments': [{
            'number': int(s.SegmentNumber),
            'label': str(s.SegmentLabel),
            'algorithmType': str(s.SegmentAlgorithmType),
            'algorithmName': str(s.SegmentAlgorithmName) if 'SegmentAlgorithmName' in s else None,
            'lab': [int(v) for v in s.RecommendedDisplayCIELabValue],
            'category': [str(s.SegmentedPropertyCategoryCodeSequence[0].CodeValue), str(s.SegmentedPropertyCategoryCodeSequence[0].CodingSchemeDesignator)],
            'type': [str(s.SegmentedPropertyTypeCodeSequence[0].CodeValue), str(s.SegmentedPropertyTypeCodeSequence[0].CodingSchemeDesignator), str(s.SegmentedPropertyTypeCodeSequence[0].CodeMeaning)],
        } for s in seg.SegmentSequence],
        'frames': frames,
        'sources': [],
    }


def main():
    out = {'sources': []} if sys.argv[1] == '-' else read_seg(sys.argv[1])
    for path in sys.argv[2:]:
        src = pydicom.dcmread(path, stop_before_pixels=True)
        out['sources'].append({
            'path': path,
            'sopInstanceUID': str(src.SOPInstanceUID),
            'sopClassUID': str(src.SOPClassUID),
            'position': [float(v) for v in src.ImagePositionPatient],
            'studyInstanceUID': str(src.StudyInstanceUID),
            'seriesInstanceUID': str(src.SeriesInstanceUID),
            'frameOfReferenceUID': str(src.FrameOfReferenceUID),
            'patientID': str(src.PatientID),
            'patientName': person(src.PatientName),
            'referringPhysicianName': person(src.ReferringPhysicianName),
        })
    json.dump(out, sys.stdout)


main()
