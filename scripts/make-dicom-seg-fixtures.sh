#!/usr/bin/env bash
# Builds test/fixtures/dicom-seg/: a small oblique CT series (5 slices of 13×11 pixels, so a 1-bit
# SEG frame of 143 pixels ends inside a byte) written by an independent writer (pydicom), that the
# DICOM SEG tests segment, write and read back; and two SEGs of that series written by pydicom (a
# FRACTIONAL one, and a BINARY one with its segment in the shared functional groups, as a
# single-segment SEG from another tool may have), for the reader; and an enhanced multi-frame CT
# (3 frames, positions in the per-frame functional groups) for a SEG of a multi-frame source. The file names are not in slice order and the
# patient name is Latin-1 (ISO_IR 100), so the SEG writer must sort nothing by name and must
# re-encode copied text. Run once; the outputs are committed. Needs python3-pydicom:
#   apt-get install python3-pydicom
# test/io/dicom-seg-fixture.ts repeats the geometry below as the tests' independent expectation.
set -euo pipefail
cd "$(dirname "$0")/.."
out=test/fixtures/dicom-seg/ct
rm -rf test/fixtures/dicom-seg && mkdir -p "$out"
/usr/bin/python3 - "$out" <<'PYEOF'
import struct, sys
from pydicom.dataset import Dataset, FileMetaDataset
import uuid
from pydicom.uid import ExplicitVRLittleEndian

out = sys.argv[1]
ROWS, COLS, N = 11, 13, 5
# fixed UIDs (2.25 arc, name-based UUIDs) so the committed files never change when remade
uid = lambda name: f'2.25.{uuid.uuid5(uuid.NAMESPACE_URL, "delineate:dicom-seg-fixture:" + name).int}'
# an oblique stack: rows along (cos 30°, sin 30°, 0), columns tilted 18.43° out of the axial plane
row = (0.8660254, 0.5, 0.0)
col = (-0.4743416, 0.8215838, -0.3162278)
normal = (row[1] * col[2] - row[2] * col[1], row[2] * col[0] - row[0] * col[2], row[0] * col[1] - row[1] * col[0])
origin, step = (-20.5, 31.25, 102.0), 2.5
# file names in an order unrelated to the slices' positions
names = ['b7', 'a2', 'e9', 'c4', 'd1']
sources = []
for k in range(N):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.2'
    meta.MediaStorageSOPInstanceUID = uid(f'instance {k}')
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.SpecificCharacterSet = 'ISO_IR 100'
    ds.ImageType = ['ORIGINAL', 'PRIMARY', 'AXIAL']
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.StudyDate, ds.StudyTime = '20240102', '101500'
    ds.AccessionNumber = 'ACC-7731'
    ds.Modality = 'CT'
    ds.Manufacturer = 'pydicom fixture'
    ds.ReferringPhysicianName = 'Weiß^Anna'
    ds.StudyDescription = 'Thorax oblique'
    ds.SeriesDescription = 'oblique 5 slices'
    ds.PatientName = 'Müller^Jürgen'
    ds.PatientID = 'DLN-SEG-001'
    ds.PatientBirthDate = '19700101'
    ds.PatientSex = 'O'
    ds.SliceThickness = '2.5'
    ds.KVP = '120'
    ds.StudyInstanceUID = uid('study')
    ds.SeriesInstanceUID = uid('series')
    ds.StudyID = 'S1'
    ds.SeriesNumber = 3
    ds.AcquisitionNumber = 1
    ds.InstanceNumber = [3, 1, 5, 2, 4][k]
    ds.ImagePositionPatient = [f'{origin[i] + k * step * normal[i]:.6f}' for i in range(3)]
    ds.ImageOrientationPatient = [str(v) for v in row + col]
    ds.FrameOfReferenceUID = uid('frame of reference')
    ds.PositionReferenceIndicator = ''
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.Rows, ds.Columns = ROWS, COLS
    ds.PixelSpacing = ['0.7', '0.9']
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
    ds.PixelRepresentation = 1
    ds.RescaleIntercept, ds.RescaleSlope = '-1024', '1'
    ds.PixelData = b''.join(struct.pack('<h', 1000 + 7 * x + 3 * y + 11 * k) for y in range(ROWS) for x in range(COLS))
    ds.save_as(f'{out}/{names[k]}.dcm', write_like_original=False)
    sources.append(ds)

# SEGs written here, frame f derived from stack slice f. Pixel formulas repeated in the tests.
def seg(name, fractional):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.66.4'
    meta.MediaStorageSOPInstanceUID = uid(name)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.Modality = 'SEG'
    ds.PatientID = 'DLN-SEG-001'
    ds.StudyInstanceUID = uid('study')
    ds.SeriesInstanceUID = uid(name + ' series')
    ds.FrameOfReferenceUID = uid('frame of reference')
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.Rows, ds.Columns = ROWS, COLS
    frames = 3
    ds.NumberOfFrames = frames
    segment = Dataset()
    segment.SegmentNumber = 7
    segment.SegmentLabel = 'kidney'
    segment.SegmentAlgorithmType = 'MANUAL'
    segment.RecommendedDisplayCIELabValue = [32768, 32768, 32768]
    ds.SegmentSequence = [segment]
    def group(f):
        g = Dataset()
        src = Dataset()
        src.ReferencedSOPClassUID = sources[f].SOPClassUID
        src.ReferencedSOPInstanceUID = sources[f].SOPInstanceUID
        derivation = Dataset()
        derivation.SourceImageSequence = [src]
        g.DerivationImageSequence = [derivation]
        position = Dataset()
        position.ImagePositionPatient = sources[f].ImagePositionPatient
        g.PlanePositionSequence = [position]
        return g
    ds.PerFrameFunctionalGroupsSequence = [group(f) for f in range(frames)]
    shared = Dataset()
    ident = Dataset()
    ident.ReferencedSegmentNumber = 7
    shared.SegmentIdentificationSequence = [ident]
    ds.SharedFunctionalGroupsSequence = [shared]
    if fractional:
        ds.SegmentationType = 'FRACTIONAL'
        ds.SegmentationFractionalType = 'PROBABILITY'
        ds.MaximumFractionalValue = 200
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
        ds.PixelData = bytes((7 * x + 13 * y + 50 * f) % 201 for f in range(frames) for y in range(ROWS) for x in range(COLS))
    else:
        ds.SegmentationType = 'BINARY'
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 1, 1, 0, 0
        bits = [1 if (x * y + f) % 3 == 0 else 0 for f in range(frames) for y in range(ROWS) for x in range(COLS)]
        packed = bytearray((len(bits) + 7) // 8)
        for i, b in enumerate(bits):
            packed[i // 8] |= b << (i % 8)
        ds.PixelData = bytes(packed + (b'\0' if len(packed) % 2 else b''))
    ds.save_as(f'{out}/../{name}.dcm', write_like_original=False)

# an enhanced multi-frame CT of the same geometry: 3 frames, positions per frame, the rest shared
def enhanced():
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.2.1'
    meta.MediaStorageSOPInstanceUID = uid('enhanced instance')
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.Modality = 'CT'
    ds.PatientName, ds.PatientID = 'Enhanced^Test', 'DLN-SEG-002'
    ds.StudyInstanceUID = uid('enhanced study')
    ds.SeriesInstanceUID = uid('enhanced series')
    ds.FrameOfReferenceUID = uid('enhanced frame of reference')
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.Rows, ds.Columns = ROWS, COLS
    ds.NumberOfFrames = 3
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    shared = Dataset()
    orientation = Dataset()
    orientation.ImageOrientationPatient = [str(v) for v in row + col]
    measures = Dataset()
    measures.PixelSpacing = ['0.7', '0.9']
    measures.SliceThickness = '3'
    shared.PlaneOrientationSequence = [orientation]
    shared.PixelMeasuresSequence = [measures]
    ds.SharedFunctionalGroupsSequence = [shared]
    def frame(f):
        g = Dataset()
        position = Dataset()
        position.ImagePositionPatient = [f'{origin[i] + f * 3.0 * normal[i]:.6f}' for i in range(3)]
        g.PlanePositionSequence = [position]
        return g
    ds.PerFrameFunctionalGroupsSequence = [frame(f) for f in range(3)]
    ds.PixelData = b''.join(struct.pack('<H', 100 * f + x + y) for f in range(3) for y in range(ROWS) for x in range(COLS))
    ds.save_as(f'{out}/../enhanced-ct.dcm', write_like_original=False)

enhanced()
seg('fractional-seg', True)
seg('shared-segment-seg', False)
PYEOF
ls -lR test/fixtures/dicom-seg
