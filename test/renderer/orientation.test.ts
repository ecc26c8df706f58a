// The radiological display: axis codes from affines against hand-derived expectations, the turn
// each plane gets, where the image's corners land on screen, and that input maps back to the
// source voxel under the cursor (the brush paints there) in a turned view.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { axisCodes, patientAffine } from '../../main/contract/orientation.ts';
import { EditSession } from '../../renderer/src/workspace/mask/edit-session.ts';
import { createMask } from '../../renderer/src/workspace/mask/mask-ops.ts';
import { createTools } from '../../renderer/src/workspace/tools/tools.ts';
import { canvasMatrix, canvasPoint, canvasToImage, fitTransform, imagePoint, imageToCanvas, pixelAt, zoomAround, type ViewTransform } from '../../renderer/src/workspace/view/coords.ts';
import { displayOrientation } from '../../renderer/src/workspace/view/orientation.ts';

type M = number[][];
/** An affine from its three columns (direction × spacing) and an origin. */
const cols = (i: number[], j: number[], k: number[], o = [0, 0, 0]): M => [0, 1, 2].map((r) => [i[r], j[r], k[r], o[r]]).concat([[0, 0, 0, 1]]);
/** A DICOM slice's RAS affine by hand: LPS row/column cosines and normal, x and y negated. */
const dicom = (row: number[], col: number[], spacing = 1): M => {
  const n = [row[1] * col[2] - row[2] * col[1], row[2] * col[0] - row[0] * col[2], row[0] * col[1] - row[1] * col[0]];
  const ras = (v: number[]) => [-v[0] * spacing, -v[1] * spacing, v[2] * spacing];
  return cols(ras(row), ras(col), ras(n));
};
const deg = Math.PI / 180;

describe('axis codes (nearest, like nibabel aff2axcodes)', () => {
  const cases: [string, M, string][] = [
    ['identity: RAS', cols([1, 0, 0], [0, 1, 0], [0, 0, 1]), 'RAS'],
    ['DICOM axial, LPS-stored (IOP 1\\0\\0\\0\\1\\0)', dicom([1, 0, 0], [0, 1, 0], 0.7), 'LPS'],
    ['NIfTI brain stored LAS (FSL, x negated)', cols([-2, 0, 0], [0, 2, 0], [0, 0, 2]), 'LAS'],
    ['NIfTI stored RAS with negative y', cols([1, 0, 0], [0, -1, 0], [0, 0, 3]), 'RPS'],
    ['DICOM sagittal (IOP 0\\1\\0\\0\\0\\−1)', dicom([0, 1, 0], [0, 0, -1]), 'PIR'],
    ['DICOM coronal (IOP 1\\0\\0\\0\\0\\−1)', dicom([1, 0, 0], [0, 0, -1]), 'LIP'],
    // 30° about z: i = (cos, sin, 0) is nearer x, j = (−sin, cos, 0) nearer y
    ['axial rotated 30°', cols([Math.cos(30 * deg), Math.sin(30 * deg), 0], [-Math.sin(30 * deg), Math.cos(30 * deg), 0], [0, 0, 1]), 'RAS'],
    // 60°: i = (0.5, 0.87, 0) nearer +y (A), j = (−0.87, 0.5, 0) nearer −x (L)
    ['axial rotated 60°', cols([Math.cos(60 * deg), Math.sin(60 * deg), 0], [-Math.sin(60 * deg), Math.cos(60 * deg), 0], [0, 0, 1]), 'ALS'],
    // gantry tilt 20° about x: j = (0, cos, sin) stays A, k = (0, −sin, cos) stays S
    ['axial with a 20° gantry tilt', cols([1, 0, 0], [0, Math.cos(20 * deg), Math.sin(20 * deg)], [0, -Math.sin(20 * deg), Math.cos(20 * deg)]), 'RAS'],
    // columns swapped: i runs anterior, j right
    ['transposed storage', cols([0, 1, 0], [1, 0, 0], [0, 0, 1]), 'ARS'],
  ];
  for (const [name, affine, codes] of cases) it(name, () => assert.equal(axisCodes(affine)?.join(''), codes));

  it('each world axis is used once, largest cosine first, even for a skewed affine', () => {
    // i and j both lean to x; j's 0.9 wins x, so i takes its next-largest, y
    assert.equal(axisCodes(cols([0.8, 0.6, 0], [0.9, -0.1, 0.42], [0, 0, 1]))?.join(''), 'ARS');
  });

  it('no codes for a zero or non-finite column', () => {
    assert.equal(axisCodes(cols([0, 0, 0], [0, 1, 0], [0, 0, 1])), null);
    assert.equal(axisCodes(cols([NaN, 0, 0], [0, 1, 0], [0, 0, 1])), null);
  });
});

describe('patientAffine: which stored geometries carry a patient orientation', () => {
  const affine = dicom([1, 0, 0], [0, 1, 0]);
  it('DICOM with orientation (scanner frame) and NIfTI with a qform or sform do', () => {
    assert.deepEqual(patientAffine({ affine, xformCode: 1 }), affine);
    assert.deepEqual(patientAffine({ affine, xformCode: 2, nifti: { qformCode: 0, sformCode: 2 } }), affine);
  });
  it('PNG/JPEG and DICOM without orientation (aligned stand-in), NIfTI without either form, and junk do not', () => {
    assert.equal(patientAffine({ affine, xformCode: 2 }), null);
    assert.equal(patientAffine({ affine, xformCode: 2, nifti: { qformCode: 0, sformCode: 0 } }), null);
    assert.equal(patientAffine(null), null);
    assert.equal(patientAffine({ affine: [[1, 2]], xformCode: 1 }), null);
  });
});

describe('display orientation per plane', () => {
  it('axial: anterior up, patient left on the right', () => {
    assert.deepEqual(displayOrientation(cols([1, 0, 0], [0, 1, 0], [0, 0, 1])), {
      turn: { transpose: false, flipX: true, flipY: true },
      plane: 'axial',
      edges: { top: 'A', bottom: 'P', left: 'R', right: 'L' },
    });
    assert.deepEqual(displayOrientation(dicom([1, 0, 0], [0, 1, 0])).turn, { transpose: false, flipX: false, flipY: false }, 'LPS is already radiological');
    assert.deepEqual(displayOrientation(cols([-1, 0, 0], [0, 1, 0], [0, 0, 1])).turn, { transpose: false, flipX: false, flipY: true }, 'LAS: only upside down');
    assert.deepEqual(displayOrientation(cols([0, 1, 0], [1, 0, 0], [0, 0, 1])).turn, { transpose: true, flipX: true, flipY: true }, 'ARS: rows go across');
  });
  it('coronal: superior up, patient left on the right', () => {
    const d = displayOrientation(dicom([1, 0, 0], [0, 0, -1]));
    assert.equal(d.plane, 'coronal');
    assert.deepEqual(d.turn, { transpose: false, flipX: false, flipY: false });
    assert.deepEqual(d.edges, { top: 'S', bottom: 'I', left: 'R', right: 'L' });
  });
  it('sagittal: superior up, anterior on the left', () => {
    const d = displayOrientation(dicom([0, 1, 0], [0, 0, -1]));
    assert.equal(d.plane, 'sagittal');
    assert.deepEqual(d.turn, { transpose: false, flipX: false, flipY: false });
    assert.deepEqual(d.edges, { top: 'S', bottom: 'I', left: 'A', right: 'P' });
    // a NIfTI sagittal stack stored RAS-like (i → A, j → S, k → R): upside down unless turned
    assert.deepEqual(displayOrientation(cols([0, 1, 0], [0, 0, 1], [1, 0, 0])).turn, { transpose: false, flipX: true, flipY: true });
  });
  it('no affine: shown as stored, no letters', () => {
    assert.deepEqual(displayOrientation(null), { turn: { transpose: false, flipX: false, flipY: false }, plane: null, edges: null });
  });
});

const world = (a: M, x: number, y: number) => [0, 1, 2].map((r) => a[r][0] * x + a[r][1] * y + a[r][3]);
/** RAS+ unit vector of a code. */
const direction = { R: [1, 0, 0], L: [-1, 0, 0], A: [0, 1, 0], P: [0, -1, 0], S: [0, 0, 1], I: [0, 0, -1] } as const;
const dot = (a: readonly number[], b: readonly number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

describe('the view maps the image so the patient lands where the letters say', () => {
  const affines: [string, M][] = [
    ['RAS', cols([1, 0, 0], [0, 1, 0], [0, 0, 1])],
    ['LPS', dicom([1, 0, 0], [0, 1, 0])],
    ['RPS', cols([1, 0, 0], [0, -1, 0], [0, 0, 1])],
    ['ARS', cols([0, 1, 0], [1, 0, 0], [0, 0, 1])],
    ['PIR sagittal', dicom([0, 1, 0], [0, 0, -1])],
    ['LIP coronal', dicom([1, 0, 0], [0, 0, -1])],
    ['ALS oblique', cols([Math.cos(60 * deg), Math.sin(60 * deg), 0], [-Math.sin(60 * deg), Math.cos(60 * deg), 0], [0, 0, 1])],
  ];
  for (const [name, affine] of affines) {
    it(`${name}: moving right on screen moves towards the right-edge letter, down towards the bottom one`, () => {
      const { turn, edges } = displayOrientation(affine);
      const t = fitTransform(6, 4, 300, 300, 0, turn);
      const corners = [imagePoint(0, 0), imagePoint(6, 0), imagePoint(0, 4), imagePoint(6, 4)];
      const screen = corners.map((p) => imageToCanvas(t, p));
      // the four corners fill the fitted box exactly
      const xs = screen.map((p) => p.x).sort((a, b) => a - b);
      const ys = screen.map((p) => p.y).sort((a, b) => a - b);
      assert.ok(xs[0] >= -1e-9 && xs[3] <= 300 + 1e-9 && ys[0] >= -1e-9 && ys[3] <= 300 + 1e-9);
      for (let a = 0; a < 4; a++) {
        for (let b = 0; b < 4; b++) {
          const dx = screen[b].x - screen[a].x;
          const dy = screen[b].y - screen[a].y;
          const move = world(affine, corners[b].x, corners[b].y).map((v, r) => v - world(affine, corners[a].x, corners[a].y)[r]);
          if (Math.abs(dx) > 1e-9) assert.equal(Math.sign(dot(move, direction[edges!.right])), Math.sign(dx), `corner ${a}→${b} across`);
          if (Math.abs(dy) > 1e-9) assert.equal(Math.sign(dot(move, direction[edges!.bottom])), Math.sign(dy), `corner ${a}→${b} down`);
        }
      }
    });
  }

  it('RAS 4×3 at zoom 10: source pixel (0, 0) at the bottom right, the canvas matrix agrees', () => {
    const t = fitTransform(4, 3, 40, 30, 0, displayOrientation(cols([1, 0, 0], [0, 1, 0], [0, 0, 1])).turn);
    assert.equal(t.zoom, 10);
    assert.deepEqual(imageToCanvas(t, imagePoint(0.5, 0.5)), canvasPoint(35, 25));
    assert.deepEqual(imageToCanvas(t, imagePoint(3.5, 2.5)), canvasPoint(5, 5));
    const [a, b, c, d, e, f] = canvasMatrix(t);
    for (const p of [imagePoint(0.5, 0.5), imagePoint(1.25, 2.75), imagePoint(4, 0)]) {
      const q = imageToCanvas(t, p);
      assert.deepEqual([a * p.x + c * p.y + e, b * p.x + d * p.y + f], [q.x, q.y]);
    }
  });

  it('canvas ↔ image round-trips under every turn, zoomed and panned', () => {
    for (const transpose of [false, true]) {
      for (const flipX of [false, true]) {
        for (const flipY of [false, true]) {
          const fitted = fitTransform(7, 5, 320, 200, 8, { transpose, flipX, flipY });
          const t: ViewTransform = zoomAround(fitted, canvasPoint(100, 60), 1.7);
          for (const p of [canvasPoint(0, 0), canvasPoint(123.25, 77.5), canvasPoint(319, 199)]) {
            const back = imageToCanvas(t, canvasToImage(t, p));
            assert.ok(Math.abs(back.x - p.x) < 1e-9 && Math.abs(back.y - p.y) < 1e-9, `${transpose}/${flipX}/${flipY}`);
          }
          const q = imagePoint(2.25, 3.5);
          const again = canvasToImage(t, imageToCanvas(t, q));
          assert.ok(Math.abs(again.x - q.x) < 1e-9 && Math.abs(again.y - q.y) < 1e-9);
        }
      }
    }
  });

  it('the brush paints the source voxel under the cursor in a mirrored and in a transposed view', () => {
    for (const affine of [cols([1, 0, 0], [0, 1, 0], [0, 0, 1]), cols([0, 1, 0], [1, 0, 0], [0, 0, 1])]) {
      const t = fitTransform(4, 3, 400, 400, 0, displayOrientation(affine).turn);
      // where source pixel (col 1, row 2) is drawn: its centre through the view
      const cursor = imageToCanvas(t, imagePoint(1.5, 2.5));
      const under = canvasToImage(t, cursor);
      assert.deepEqual(pixelAt(under, 4, 3), { col: 1, row: 2 });
      const session = new EditSession(createMask(4, 3));
      const brush = createTools().brush;
      const env = { session, brushSize: 1, hitRadius: 1 };
      brush.down({ p: under, shift: false, detail: 1 }, env);
      brush.up({ p: under, shift: false, detail: 1 }, env);
      const painted = [...session.mask.pixels.entries()].filter(([, v]) => v).map(([i]) => i);
      assert.deepEqual(painted, [2 * 4 + 1], 'row 2, col 1 in source order');
    }
  });
});
