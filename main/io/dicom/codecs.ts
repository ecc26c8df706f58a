// The compressed-frame decoders, all maintained builds of reference libraries:
//   JPEG baseline/extended 8-bit  libjpeg-turbo   @cornerstonejs/codec-libjpeg-turbo-8bit (WASM)
//   JPEG lossless (process 14)    jpeg-lossless-decoder-js (JS)
//   JPEG-LS                       CharLS          @cornerstonejs/codec-charls (WASM)
//   JPEG 2000                     OpenJPEG        @cornerstonejs/codec-openjpeg (WASM)
//   HTJ2K                         OpenJPH         @cornerstonejs/codec-openjph (WASM)
// The WASM modules are Emscripten factories whose promise resolves later, but Emscripten's documented
// `instantiateWasm` hook lets us instantiate synchronously (Node allows synchronous compilation of
// any size), and the runtime is then ready before the factory returns. So decoding stays synchronous
// for the callers, which are synchronous; each codec is loaded on first use (10–30 ms), or ahead of
// time with `await loadCodecs()`, which compiles off the main thread.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Decoder as JpegLosslessDecoder } from 'jpeg-lossless-decoder-js';

const require = createRequire(import.meta.url);

export type WasmCodec = 'jpeg' | 'jpeg-ls' | 'j2k' | 'htj2k';

const WASM: Record<WasmCodec, { js: string; wasm: string; decoder: string }> = {
  jpeg: { js: '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs', wasm: '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm', decoder: 'JPEGDecoder' },
  'jpeg-ls': { js: '@cornerstonejs/codec-charls/decodewasmjs', wasm: '@cornerstonejs/codec-charls/decodewasm', decoder: 'JpegLSDecoder' },
  j2k: { js: '@cornerstonejs/codec-openjpeg/decodewasmjs', wasm: '@cornerstonejs/codec-openjpeg/decodewasm', decoder: 'J2KDecoder' },
  // OpenJPH ships one build, encoder included
  htj2k: { js: '@cornerstonejs/codec-openjph/wasmjs', wasm: '@cornerstonejs/codec-openjph/wasm', decoder: 'HTJ2KDecoder' },
};

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfo;
  getDecodedBuffer(): Uint8Array;
  /** CharLS: 0 = planar output, 1 (line) and 2 (sample) = pixel-interleaved */
  getInterleaveMode?(): number;
  delete(): void;
}

interface CodecModule {
  [decoder: string]: unknown;
  /** a string, or [type, message], depending on the Emscripten version */
  getExceptionMessage?(e: unknown): string | string[];
}

// lib "ES2022" has no WebAssembly types; the three calls used here
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  compile(bytes: Uint8Array): Promise<object>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** A codec that failed to load or decode; the caller names the file and frame. */
export class CodecError extends Error {}

const compiled = new Map<WasmCodec, object>();
const loaded = new Map<WasmCodec, { module: CodecModule; messages: string[] }>();

function wasmBytes(codec: WasmCodec): Uint8Array {
  return readFileSync(require.resolve(WASM[codec].wasm));
}

function codecModule(codec: WasmCodec): { module: CodecModule; messages: string[] } {
  const ready = loaded.get(codec);
  if (ready) return ready;
  const spec = WASM[codec];
  const factory = require(spec.js) as (args: object) => Promise<CodecModule>;
  const compiledModule = compiled.get(codec) ?? new wasmApi.Module(wasmBytes(codec));
  // OpenJPEG prints progress to stdout and errors to stderr: keep them for error messages instead
  const messages: string[] = [];
  const args: Record<string, unknown> = {
    print: () => {},
    printErr: (line: string) => messages.push(line),
    instantiateWasm(imports: object, done: (instance: object, module: object) => void) {
      const instance = new wasmApi.Instance(compiledModule, imports);
      done(instance, compiledModule);
      return instance.exports;
    },
  };
  factory(args).catch(() => {}); // the same object, resolved later; a failure shows below
  const module = args as CodecModule;
  if (typeof module[spec.decoder] !== 'function') throw new CodecError(`the ${spec.js} decoder did not initialise`);
  const entry = { module, messages };
  loaded.set(codec, entry);
  return entry;
}

/**
 * Compiles and instantiates every WASM decoder now, compiling off the main thread, so the first
 * compressed frame does not pay for it. Optional: decoding loads a missing codec synchronously.
 */
export async function loadCodecs(): Promise<void> {
  await Promise.all(
    (Object.keys(WASM) as WasmCodec[]).map(async (codec) => {
      if (!compiled.has(codec) && !loaded.has(codec)) compiled.set(codec, await wasmApi.compile(wasmBytes(codec)));
      codecModule(codec);
    }),
  );
}

/** A decoded frame as the codec gives it. */
export interface CodecFrame {
  width: number;
  height: number;
  components: number;
  bitsPerSample: number;
  /** samples, planar when `planar`, else pixel-interleaved */
  samples: Uint8Array | Uint16Array | Int16Array;
  planar: boolean;
  /** the samples are signed (JPEG 2000 codestreams say so) */
  signed: boolean;
}

export function decodeWasm(codec: WasmCodec, data: Uint8Array): CodecFrame {
  const { module, messages } = codecModule(codec);
  messages.length = 0;
  const Decoder = module[WASM[codec].decoder] as new () => WasmDecoder;
  const decoder = new Decoder();
  try {
    decoder.getEncodedBuffer(data.length).set(data);
    decoder.decode();
    const info = decoder.getFrameInfo();
    const raw = decoder.getDecodedBuffer();
    const signed = info.isSigned === true;
    const wide = info.bitsPerSample > 8;
    const count = info.width * info.height * info.componentCount;
    if (raw.length !== count * (wide ? 2 : 1)) throw new CodecError(`decoded ${raw.length} bytes for ${info.width}×${info.height}×${info.componentCount} samples of ${info.bitsPerSample} bits`);
    // copy out: the decoder's memory is freed with it; WASM memory is little endian
    const bytes = raw.slice();
    const samples = !wide ? new Uint8Array(bytes.buffer) : signed ? new Int16Array(bytes.buffer) : new Uint16Array(bytes.buffer);
    const planar = codec === 'jpeg-ls' && info.componentCount > 1 && decoder.getInterleaveMode?.() === 0;
    return { width: info.width, height: info.height, components: info.componentCount, bitsPerSample: info.bitsPerSample, samples, planar, signed };
  } catch (e) {
    if (e instanceof CodecError) throw e;
    // C++ exceptions arrive as numbers (pointers); Emscripten can turn them into their message
    let reason = e instanceof Error ? e.message : String(e);
    if (typeof e === 'number' && module.getExceptionMessage) {
      try {
        const said = module.getExceptionMessage(e);
        reason = Array.isArray(said) ? said.filter(Boolean).join(': ') : String(said);
      } catch {
        // keep the number
      }
    }
    const said = messages.filter((m) => /error/i.test(m)).join('; ');
    throw new CodecError(`${reason}${said ? ` (${said})` : ''}`);
  } finally {
    decoder.delete();
  }
}

/** The sample precision of a JPEG codestream's frame header (SOFn), or null when it has none. */
export function jpegPrecision(data: Uint8Array): number | null {
  let i = 2;
  while (i + 4 < data.length) {
    if (data[i] !== 0xff) return null;
    const marker = data[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return data[i + 4];
    if (marker === 0xda) return null;
    i += 2 + ((data[i + 2] << 8) | data[i + 3]);
  }
  return null;
}

export function decodeJpegLossless(data: Uint8Array, bitsAllocated: number): CodecFrame {
  const decoder = new JpegLosslessDecoder();
  let samples: Uint8Array | Uint16Array;
  try {
    samples = decoder.decode(data.buffer, data.byteOffset, data.length, bitsAllocated > 8 ? 2 : 1);
  } catch (e) {
    throw new CodecError(e instanceof Error ? e.message : String(e));
  }
  const { xDim: width, yDim: height, numComp: components, precision } = decoder;
  if (samples.length !== width * height * components) throw new CodecError(`decoded ${samples.length} samples for ${width}×${height}×${components}`);
  return { width, height, components, bitsPerSample: precision, samples, planar: false, signed: false };
}
