#!/usr/bin/python3
# Writes the small chest CT series the clinical end-to-end test imports through the UI
# (test/e2e/clinical-flow.test.ts), with pydicom (Debian's python3-pydicom) as the independent
# writer. Run once; the output is committed (9 files, 4 KB each):
#   /usr/bin/python3 scripts/make-clinical-e2e-fixture.py
# test/fixtures/dicom-clinical/chest-ct/: 8 axial slices 48 columns × 40 rows, PixelSpacing 0.7 (row)
# × 0.8 (column) mm, 2.5 mm apart, plus one sagittal localizer in the same series. File names are
# shuffled and InstanceNumbers misleading, so only ImagePositionPatient gives the slice order. The
# body is an ellipse of soft tissue (40 HU) in air (−1000 HU) with a bright lesion (200 HU) at the
# patient's left-anterior, a sphere whose radius changes from slice to slice.
import math, os, random, shutil, struct
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'dicom-clinical', 'chest-ct')
ROOT = '1.2.826.0.1.3680043.10.1433.77.'  # fixed UIDs so reruns give the same files
CT = '1.2.840.10008.5.1.4.1.1.2'
ROWS, COLS, SLICES = 40, 48, 8
SPACING = [0.7, 0.8]  # row spacing, column spacing
STEP = 2.5
ORIGIN = [-19.2, -14.0, -40.0]  # IPP of the most inferior slice
STUDY, SERIES = ROOT + '1', ROOT + '1.1'
rng = random.Random(77)


def dataset(sop_uid, rows, cols):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CT
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = ROOT + '0'
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = CT, sop_uid
    ds.StudyInstanceUID, ds.SeriesInstanceUID = STUDY, SERIES
    ds.FrameOfReferenceUID = STUDY + '.9'
    ds.Modality = 'CT'
    ds.SeriesDescription = 'Chest CT'
    ds.SeriesNumber, ds.StudyID, ds.AccessionNumber = 2, 'S77', 'A77'
    ds.StudyDate, ds.StudyTime = '20240102', '101500'
    ds.PatientName, ds.PatientID = 'Clinical^Fixture', 'CLIN-77'
    ds.PatientBirthDate, ds.PatientSex = '19600101', 'O'
    ds.ReferringPhysicianName = ''
    ds.Manufacturer = 'Fixture'
    ds.PatientPosition, ds.BodyPartExamined = 'HFS', 'CHEST'
    ds.PositionReferenceIndicator, ds.KVP, ds.AcquisitionNumber = '', 120, 1
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = -1024, 1, 'HU'
    ds.WindowCenter, ds.WindowWidth = 40, 400
    ds.PixelSpacing = SPACING
    ds.SliceThickness = 2.5
    return ds


def hu(i, j, k):
    """Hounsfield units at column i, row j of slice k (row 0 anterior, column 0 patient right)."""
    body = ((i - 23.5) / 21) ** 2 + ((j - 19.5) / 16) ** 2 <= 1
    r = math.sqrt(max(0.0, 40 - 2.2 * (k - 3.5) ** 2))  # a sphere through the slices: radius 3.4..6.3 px
    lesion = (i - 32) ** 2 + (j - 13) ** 2 <= r * r
    return 200 if lesion else 40 if body else -1000


def axial_pixels(k):
    return struct.pack(f'<{ROWS * COLS}h', *[hu(i, j, k) + 1024 for j in range(ROWS) for i in range(COLS)])


def localizer_pixels():
    # sagittal: columns run anterior → posterior, rows superior → inferior; a body band and a spine
    return struct.pack(f'<{ROWS * COLS}h', *[(300 if 30 <= i < 36 else 40 if 6 <= i < 42 else -1000) + 1024 for j in range(ROWS) for i in range(COLS)])


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    files = [('axial', k) for k in range(SLICES)] + [('localizer', 0)]
    rng.shuffle(files)
    names = [f'{n:08d}.dcm' for n in rng.sample(range(10000000, 99999999), len(files))]
    for name, (kind, k) in zip(names, files):
        if kind == 'axial':
            ds = dataset(f'{SERIES}.{100 + k}', ROWS, COLS)
            ds.ImageType = ['ORIGINAL', 'PRIMARY', 'AXIAL']
            ds.InstanceNumber = (k * 5 + 3) % SLICES + 1  # misleading on purpose
            ds.ImagePositionPatient = [ORIGIN[0], ORIGIN[1], ORIGIN[2] + STEP * k]
            ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
            ds.PixelData = axial_pixels(k)
        else:
            ds = dataset(f'{SERIES}.99', ROWS, COLS)
            ds.ImageType = ['ORIGINAL', 'PRIMARY', 'LOCALIZER']
            ds.InstanceNumber = 1
            ds.ImagePositionPatient = [0.0, -30.0, 10.0]
            ds.ImageOrientationPatient = [0, 1, 0, 0, 0, -1]
            ds.PixelData = localizer_pixels()
        ds.is_little_endian, ds.is_implicit_VR = True, False
        ds.save_as(os.path.join(OUT, name), write_like_original=False)


main()
