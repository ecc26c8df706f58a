// The export dialog's choices, in the words users know them by.

import type { ExportFormat } from '../../../main/contract/contract.ts';

export const EXPORT_FORMATS: { value: ExportFormat; label: string; description: string }[] = [
  { value: 'png', label: 'PNG, 0/255', description: 'One grey PNG per mask at the image size: opens in any viewer.' },
  { value: 'png-index', label: 'PNG, index 0/1', description: 'Label values 0/1, what training pipelines expect.' },
  { value: 'nii', label: 'NIfTI (.nii)', description: 'uint8 label masks with the image geometry (PNG/JPEG images get themselves as NIfTI beside, so both overlay).' },
  { value: 'nii.gz', label: 'NIfTI, compressed (.nii.gz)', description: 'As .nii, gzip-compressed.' },
  { value: 'dicom-seg', label: 'DICOM SEG', description: 'One DICOM Segmentation per DICOM series, a segment per label, referencing the source images: opens in PACS, OHIF and 3D Slicer. Per slice the corrected mask, else the model\'s. Other images are left out.' },
  { value: 'dataset', label: 'MedVLSM dataset', description: 'Images, masks and prompts in the MedVLSM layout with train/val/test splits, for training elsewhere.' },
];

export const EXPORT_KINDS: { value: 'corrected' | 'model'; label: string }[] = [
  { value: 'corrected', label: 'Corrected masks' },
  { value: 'model', label: 'Model masks' },
];
