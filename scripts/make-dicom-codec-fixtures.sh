#!/usr/bin/env bash
# Builds test/fixtures/dicom-codecs/: small DICOM files in every transfer syntax the reader decodes,
# made by independent writers from uncompressed originals, so the tests compare our decoders with
# known pixels and need none of these tools at run time. Run once; the outputs are committed.
#
# Needs Debian's dcmtk (dcmcrle, dcmcjpeg, dcmcjpls, dcmconv), libgdcm-tools (gdcmconv: JPEG 2000),
# openjph-tools (ojph_compress: HTJ2K) and python3-pydicom (originals, HTJ2K encapsulation, the
# corrupt and unsupported files):
#   apt-get install dcmtk libgdcm-tools openjph-tools python3-pydicom
# The pixel patterns are integer formulas repeated in test/io/dicom-codecs.test.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
out=test/fixtures/dicom-codecs
rm -rf "$out" && mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
PY=/usr/bin/python3

# 1. uncompressed originals (explicit VR little endian), written with pydicom
"$PY" - "$out" <<'PYEOF'
import struct, sys
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

out = sys.argv[1]
W, H = 64, 48
r2 = lambda x, y: (x - 32) ** 2 + (y - 24) ** 2

def write(name, rows, cols, pixels, vr='OW', frames=None, signed=0, bits=16, stored=None, spp=1,
          photometric='MONOCHROME2', modality='OT', sop='1.2.840.10008.5.1.4.1.1.7'):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop
    meta.MediaStorageSOPInstanceUID = generate_uid(prefix='1.2.826.0.1.3680043.10.1500.')
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.SOPClassUID, ds.SOPInstanceUID = sop, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = '1.2.826.0.1.3680043.10.1500.1'
    ds.SeriesInstanceUID = '1.2.826.0.1.3680043.10.1500.1.' + str(abs(hash(name)) % 10**8)
    ds.Modality = modality
    ds.SeriesDescription = name
    ds.InstanceNumber = 1
    ds.SamplesPerPixel = spp
    ds.PhotometricInterpretation = photometric
    if spp == 3:
        ds.PlanarConfiguration = 0
    ds.Rows, ds.Columns = rows, cols
    if frames is not None:
        ds.NumberOfFrames = frames
    ds.BitsAllocated, ds.BitsStored = bits, stored or bits
    ds.HighBit = (stored or bits) - 1
    ds.PixelRepresentation = signed
    ds.add_new(0x7FE00010, vr, pixels)
    ds.save_as(f'{out}/{name}.dcm', write_like_original=False)

pack = lambda fmt, vals: b''.join(struct.pack('<' + fmt, v) for v in vals)
grid = [(x, y) for y in range(H) for x in range(W)]

# CT-like signed 16-bit: negative values, an edge, low-bit texture that a lossy codec would lose
write('ct16s', H, W, pack('h', [-1024 + 2 * r2(x, y) + (900 if x >= 40 and y >= 30 else 0) + (x * 7 + y * 13) % 5 for x, y in grid]), signed=1, modality='CT')
# unsigned 16-bit using the top bit (values above 32767)
write('mr16u', H, W, pack('H', [20 * r2(x, y) + (30000 if x < 16 else 0) + (x * 7 + y * 13) % 5 for x, y in grid]), modality='MR')
# 12 bits stored in 16 (JPEG extended is a 12-bit process)
write('mr12u', H, W, pack('H', [2 * r2(x, y) + (x * 3 + y) % 4 for x, y in grid]), stored=12, modality='MR')
# 8-bit RGB, pixel-interleaved
write('rgb8', H, W, bytes(v for x, y in grid for v in ((x * 4) & 255, y * 5, 200 if x + y >= 56 else 40)), vr='OB', bits=8, spp=3, photometric='RGB', modality='XC')
# 8-bit grey, 4 frames (cine-like)
write('multi8', H, W, bytes(x + 2 * y + 30 * f for f in range(4) for x, y in grid), vr='OB', bits=8, frames=4, modality='US')
# 1-bit, 3 frames of 13x7: 91 bits a frame, so frames do not start on byte boundaries
bits = [1 if (x + y + f) % 3 == 0 else 0 for f in range(3) for y in range(7) for x in range(13)]
packed = bytearray((len(bits) + 7) // 8)
for i, b in enumerate(bits):
    packed[i // 8] |= b << (i % 8)  # PS3.5 8.1.1: first pixel in the least significant bit
if len(packed) % 2: packed.append(0)
write('seg1', 7, 13, bytes(packed), vr='OB', bits=1, frames=3, sop='1.2.840.10008.5.1.4.1.1.66.4', modality='SEG')
# 32-bit integers: signed, and unsigned above 2^31
write('int32s', H, W, pack('i', [(x - 32) * 100000 + y * 7 - 1 for x, y in grid]), signed=1, bits=32)
write('int32u', H, W, pack('I', [x * 60000000 + y for x, y in grid]), bits=32)
PYEOF

o="$out"
# 2. dcmtk: RLE, JPEG, JPEG-LS, big endian, deflated
for f in ct16s mr16u rgb8 multi8; do dcmcrle "$o/$f.dcm" "$o/$f.rle.dcm"; done
for f in ct16s mr16u rgb8 multi8; do dcmcjpls --encode-lossless "$o/$f.dcm" "$o/$f.jls.dcm"; done
dcmcjpls --encode-nearlossless --max-deviation 3 "$o/mr16u.dcm" "$o/mr16u.jls-near.dcm"  # dcmtk: unsigned only
dcmcjpls --encode-nearlossless --max-deviation 3 --interleave-none "$o/rgb8.dcm" "$o/rgb8.jls-near.dcm"
for f in ct16s mr16u rgb8 multi8; do dcmcjpeg --encode-lossless-sv1 "$o/$f.dcm" "$o/$f.jpeg-sv1.dcm"; done
dcmcjpeg --encode-lossless --selection-value 6 "$o/ct16s.dcm" "$o/ct16s.jpeg-p14.dcm"
dcmcjpeg --encode-lossless --selection-value 7 "$o/multi8.dcm" "$o/multi8.jpeg-p14.dcm"
dcmcjpeg --encode-baseline "$o/rgb8.dcm" "$o/rgb8.jpeg-baseline.dcm"               # YBR_FULL_422
dcmcjpeg --encode-baseline --color-rgb "$o/rgb8.dcm" "$o/rgb8.jpeg-baseline-rgb.dcm" # RGB, no transform
dcmcjpeg --encode-baseline "$o/multi8.dcm" "$o/multi8.jpeg-baseline.dcm"
dcmcjpeg --encode-extended "$o/multi8.dcm" "$o/multi8.jpeg-extended8.dcm"
dcmcjpeg --encode-extended "$o/mr12u.dcm" "$o/mr12u.jpeg-extended12.dcm"
for f in ct16s rgb8 multi8 int32s seg1; do dcmconv --write-xfer-big "$o/$f.dcm" "$o/$f.big.dcm"; done
for f in ct16s rgb8; do dcmconv --write-xfer-deflated "$o/$f.dcm" "$o/$f.deflated.dcm"; done

# 3. gdcm: JPEG 2000 lossless and lossy
for f in ct16s mr16u rgb8 multi8; do gdcmconv --j2k "$o/$f.dcm" "$o/$f.j2k.dcm"; done
gdcmconv --j2k --lossy -q 80 "$o/ct16s.dcm" "$o/ct16s.j2k-lossy.dcm"  # -q: PSNR in dB
gdcmconv --j2k --lossy -q 40 "$o/rgb8.dcm" "$o/rgb8.j2k-lossy.dcm"

# 4. OpenJPH: HTJ2K codestreams from raw samples, encapsulated with pydicom; the corrupt and the
#    unsupported files
"$PY" - "$o" "$tmp" <<'PYEOF'
import subprocess, sys
import pydicom
from pydicom._uid_dict import UID_dictionary
from pydicom.encaps import encapsulate, generate_pixel_data_frame

o, tmp = sys.argv[1], sys.argv[2]
# pydicom 2.3 predates HTJ2K: without these entries it refuses to write the files
for uid, name in [('201', 'HTJ2KLossless'), ('202', 'HTJ2KLosslessRPCL'), ('203', 'HTJ2K')]:
    UID_dictionary['1.2.840.10008.1.2.4.' + uid] = (name, 'Transfer Syntax', '', '', name)

def htj2k(name, uid, args, frames_split=1, bot=True):
    ds = pydicom.dcmread(f'{o}/{name}.dcm')
    n = int(getattr(ds, 'NumberOfFrames', 1))
    spp, bits = ds.SamplesPerPixel, ds.BitsStored
    size = ds.Rows * ds.Columns * spp * (ds.BitsAllocated // 8)
    streams = []
    for k in range(n):
        raw = ds.PixelData[k * size:(k + 1) * size]
        if spp == 3:  # ppm input: interleaved 8-bit RGB
            src = f'{tmp}/f.ppm'
            open(src, 'wb').write(b'P6\n%d %d\n255\n' % (ds.Columns, ds.Rows) + raw)
            extra = []
        else:  # raw ("yuv") input: little-endian samples
            src = f'{tmp}/f.yuv'
            open(src, 'wb').write(raw)
            extra = ['-dims', '{%d,%d}' % (ds.Columns, ds.Rows), '-num_comps', '1', '-bit_depth', str(bits),
                     '-signed', 'true' if ds.PixelRepresentation else 'false', '-downsamp', '{1,1}']
        subprocess.run(['ojph_compress', '-i', src, '-o', f'{tmp}/f.j2c', *extra, *args], check=True, stdout=subprocess.DEVNULL)
        streams.append(open(f'{tmp}/f.j2c', 'rb').read())
    fragments = []
    if frames_split == 1:
        data = encapsulate(streams, has_bot=bot)
    else:  # split each codestream into frames_split fragments by hand, with an empty offset table
        from pydicom.encaps import itemize_fragment
        data = b'\xfe\xff\x00\xe0\x00\x00\x00\x00'
        for s in streams:
            if len(s) % 2: s += b'\x00'
            step = (len(s) // frames_split + 1) & ~1
            for i in range(0, len(s), step):
                data += itemize_fragment(s[i:i + step])
    ds.file_meta.TransferSyntaxUID = uid
    ds.PixelData = data
    ds['PixelData'].VR = 'OB'
    ds['PixelData'].is_undefined_length = True
    if spp == 3 and '-colour_trans' not in args:
        ds.PhotometricInterpretation = 'YBR_RCT' if '-reversible' in args else 'YBR_ICT'
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(f'{o}/{name}.{suffix}.dcm', write_like_original=False)

# unsigned only: ojph_compress 0.9 mangles signed raw input (-30000 comes back as 27744)
for name in ['mr16u', 'rgb8']:
    suffix = 'htj2k'
    htj2k(name, '1.2.840.10008.1.2.4.201', ['-reversible', 'true', '-prog_order', 'LRCP'])
suffix = 'htj2k-rpcl'; htj2k('mr16u', '1.2.840.10008.1.2.4.202', ['-reversible', 'true', '-prog_order', 'RPCL'])
suffix = 'htj2k-lossy'; htj2k('mr16u', '1.2.840.10008.1.2.4.203', ['-qstep', '0.001'])
suffix = 'htj2k-frag-nobot'; htj2k('multi8', '1.2.840.10008.1.2.4.201', ['-reversible', 'true'], frames_split=3)

# several fragments per frame (dcmtk's smallest fragment, 1 KB, exceeds these frames): split by
# hand, with the Basic Offset Table filled in or left empty
def refragment(name, suffix, parts, bot):
    from pydicom.encaps import itemize_fragment
    ds = pydicom.dcmread(f'{o}/{name}.dcm')
    frames = list(generate_pixel_data_frame(ds.PixelData, int(ds.NumberOfFrames)))
    items, offsets, at = [], [], 0
    for f in frames:
        offsets.append(at)
        step = (len(f) // parts + 1) & ~1
        for i in range(0, len(f), step):
            items.append(itemize_fragment(f[i:i + step]))
            at += len(items[-1])
    table = b''.join(v.to_bytes(4, 'little') for v in offsets) if bot else b''
    ds.PixelData = b'\xfe\xff\x00\xe0' + len(table).to_bytes(4, 'little') + table + b''.join(items)
    ds.save_as(f'{o}/{name}.{suffix}.dcm')

refragment('multi8.jpeg-baseline', 'frag', 2, True)
refragment('multi8.jls', 'frag-nobot', 3, False)

# a JPEG-LS multi-frame file whose frame 2 lost its second half in transit
ds = pydicom.dcmread(f'{o}/multi8.jls.dcm')
frames = [bytearray(f) for f in generate_pixel_data_frame(ds.PixelData, 4)]
frames[2] = frames[2][:len(frames[2]) // 2]
ds.PixelData = encapsulate([bytes(f) for f in frames], has_bot=True)
ds.save_as(f'{o}/multi8.jls-corrupt-frame2.dcm')

# an MPEG-2 file: a transfer syntax the reader names and refuses
ds = pydicom.dcmread(f'{o}/multi8.dcm')
ds.file_meta.TransferSyntaxUID = '1.2.840.10008.1.2.4.100'
ds.PixelData = encapsulate([b'\x00\x00\x01\xb3' + b'\x00' * 12])
ds['PixelData'].VR = 'OB'
ds['PixelData'].is_undefined_length = True
ds.save_as(f'{o}/multi8.mpeg2.dcm', write_like_original=False)
PYEOF

for f in "$o"/*.dcm; do printf '%-42s %s\n' "$(basename "$f")" "$(dcmdump -s +P 0002,0010 "$f" | sed 's/.*=//')"; done
du -sh "$o"
