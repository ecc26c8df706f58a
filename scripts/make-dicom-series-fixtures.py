#!/usr/bin/python3
# Writes the DICOM series the series tests read (test/fixtures/dicom-series/), with pydicom (Debian's
# python3-pydicom) as the independent writer. Run once; the outputs are committed (16×12 px, tiny).
#   /usr/bin/python3 scripts/make-dicom-series-fixtures.py
# Every series stores its true slice order only in ImagePositionPatient: file names are shuffled
# and InstanceNumbers misleading, so a reader that sorts by either gets it wrong. Pixel (0, 0) of
# true slice k holds 1000 + k (modality units), so tests can check the order through the pixels.
import math, os, random, shutil, struct
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'dicom-series')
ROOT = '1.2.826.0.1.3680043.10.1433.'  # fixed UIDs so reruns give the same files
CT = '1.2.840.10008.5.1.4.1.1.2'
MR = '1.2.840.10008.5.1.4.1.1.4'
ENHANCED_MR = '1.2.840.10008.5.1.4.1.1.4.1'
rng = random.Random(12)

def uid(*parts):
    return ROOT + '.'.join(str(p) for p in parts)

def base(sop_class, sop_uid, study, series, modality, description, rows=12, cols=16):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = uid(0)
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_uid
    ds.StudyInstanceUID = study
    ds.SeriesInstanceUID = series
    ds.FrameOfReferenceUID = study + '.9'
    ds.Modality = modality
    ds.SeriesDescription = description
    ds.SeriesNumber = 3
    ds.PatientName = 'Series^Fixture'
    ds.PatientID = 'SERIES-1'
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
    ds.PixelRepresentation = 1
    return ds

def pixels(k, rows, cols):
    """int16 little endian, row-major: value j·cols + i, except pixel (0, 0) = 1000 + k."""
    values = [1000 + k] + list(range(1, rows * cols))
    return struct.pack(f'<{rows * cols}h', *values)

def write(ds, folder, name):
    os.makedirs(os.path.join(OUT, folder), exist_ok=True)
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(os.path.join(OUT, folder, name), write_like_original=False)

def series(folder, study_n, series_n, slices, modality='CT', description='Axial', sop=CT):
    """slices: list of dicts with ipp, iop, spacing, k (pixel tag), rows, cols and optional extra."""
    study, ser = uid(study_n), uid(study_n, series_n)
    order = list(range(len(slices)))
    rng.shuffle(order)
    names = [f'IM{n:04d}' for n in rng.sample(range(1, 9999), len(slices))]
    for file_i, s_i in enumerate(order):
        s = slices[s_i]
        rows, cols = s.get('rows', 12), s.get('cols', 16)
        ds = base(sop, uid(study_n, series_n, 100 + s_i), study, ser, modality, description, rows, cols)
        ds.InstanceNumber = len(slices) - file_i if s_i % 2 else s_i * 7 + 3  # misleading on purpose
        ds.ImagePositionPatient = [round(v, 6) for v in s['ipp']]
        ds.ImageOrientationPatient = [round(v, 8) for v in s['iop']]
        ds.PixelSpacing = list(s.get('spacing', [0.8, 0.6]))
        ds.SliceThickness = 9.0  # wrong on purpose: spacing comes from the positions
        if modality == 'CT':
            ds.RescaleIntercept, ds.RescaleSlope = 0, 1
        for k, v in s.get('extra', {}).items():
            setattr(ds, k, v)
        ds.PixelData = pixels(s['k'], rows, cols)
        write(ds, folder, names[file_i])

def axial(z, k, **kw):
    return dict(ipp=[-20.0, -30.0, z], iop=[1, 0, 0, 0, 1, 0], k=k, **kw)

def main():
    shutil.rmtree(OUT, ignore_errors=True)
    # oblique: rows along (cos 30°, sin 30°, 0), columns tilted 20° out of the axial plane
    a, b = math.radians(30), math.radians(20)
    row = [math.cos(a), math.sin(a), 0.0]
    col = [-math.sin(a) * math.cos(b), math.cos(a) * math.cos(b), math.sin(b)]
    n = [row[1] * col[2] - row[2] * col[1], row[2] * col[0] - row[0] * col[2], row[0] * col[1] - row[1] * col[0]]
    origin = [12.5, -40.0, 70.0]
    series('oblique', 1, 1, [dict(ipp=[origin[i] + k * 2.5 * n[i] for i in range(3)], iop=row + col, k=k) for k in range(6)], description='Oblique 2.5')
    # a gap: 2 mm slices with the one at z = 8 missing
    series('gap', 2, 1, [axial(z, k) for k, z in enumerate([0, 2, 4, 6, 10, 12, 14])], description='Gap')
    # a sagittal localizer in the same series as five axial slices
    sl = [axial(3.0 * k, k) for k in range(5)] + [dict(ipp=[0.0, -50.0, 40.0], iop=[0, 1, 0, 0, 0, -1], k=50)]
    series('localizer', 3, 1, sl, description='With localizer')
    # two slices at one position
    series('duplicate', 4, 1, [axial(2.0 * k, k) for k in range(4)] + [axial(4.0, 40)], description='Duplicate')
    # two image sizes in one series
    series('mixed-size', 5, 1, [axial(2.0 * k, k) for k in range(3)] + [axial(2.0 * k, 10 + k, rows=10, cols=12) for k in range(3)], modality='MR', description='Mixed', sop=MR)
    # two echoes at the same positions
    series('multi-echo', 6, 1, [axial(5.0 * k, k, extra={'EchoNumbers': 1}) for k in range(3)] + [axial(5.0 * k, 10 + k, extra={'EchoNumbers': 2}) for k in range(3)], modality='MR', description='Dual echo', sop=MR)
    enhanced()

def enhanced():
    """An enhanced MR image of 5 frames stored out of position order; geometry in the functional groups."""
    study, ser = uid(7), uid(7, 1)
    ds = base(ENHANCED_MR, uid(7, 1, 100), study, ser, 'MR', 'Enhanced', 12, 16)
    ds.NumberOfFrames = 5
    shared = Dataset()
    pm = Dataset(); pm.PixelSpacing = [0.9, 0.7]; pm.SliceThickness = 3.0
    po = Dataset(); po.ImageOrientationPatient = [1, 0, 0, 0, 0, -1]  # coronal
    shared.PixelMeasuresSequence = Sequence([pm])
    shared.PlaneOrientationSequence = Sequence([po])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    stored = [3, 0, 4, 1, 2]  # frame f holds true slice stored[f]
    per = []
    for f, k in enumerate(stored):
        g = Dataset()
        pp = Dataset(); pp.ImagePositionPatient = [-10.0, 5.0 + 3.0 * k, 20.0]  # normal (1,0,0)×(0,0,-1) = (0,1,0)
        g.PlanePositionSequence = Sequence([pp])
        fc = Dataset(); fc.InStackPositionNumber = 5 - k; fc.StackID = '1'
        g.FrameContentSequence = Sequence([fc])
        per.append(g)
    ds.PerFrameFunctionalGroupsSequence = Sequence(per)
    ds.PixelData = b''.join(pixels(k, 12, 16) for k in stored)
    write(ds, 'enhanced', 'enhanced-mr.dcm')

main()
