// Typed arrays that double when an index passes their end: simulated memory grows with every
// allocation, and the step loop wants flat arrays, not maps.

export function growInt32(array: Int32Array<ArrayBuffer>, minLength: number, fill: number): Int32Array<ArrayBuffer> {
  if (minLength <= array.length) return array;
  const grown = new Int32Array(Math.max(minLength, array.length * 2));
  grown.set(array);
  if (fill !== 0) grown.fill(fill, array.length);
  return grown;
}

export function growFloat64(array: Float64Array<ArrayBuffer>, minLength: number): Float64Array<ArrayBuffer> {
  if (minLength <= array.length) return array;
  const grown = new Float64Array(Math.max(minLength, array.length * 2));
  grown.set(array);
  return grown;
}

export function growUint8(array: Uint8Array<ArrayBuffer>, minLength: number): Uint8Array<ArrayBuffer> {
  if (minLength <= array.length) return array;
  const grown = new Uint8Array(Math.max(minLength, array.length * 2));
  grown.set(array);
  return grown;
}

// Loading saved contents: into the array in place when it is long enough (a rewind, many times a
// second: no allocation), the part it used beyond them set back to `fill`, as a fresh array has.

export function loadInt32(target: Int32Array<ArrayBuffer>, saved: Int32Array, usedBefore: number, fill: number): Int32Array<ArrayBuffer> {
  if (target.length < saved.length) return Int32Array.from(saved);
  target.set(saved);
  if (usedBefore > saved.length) target.fill(fill, saved.length, usedBefore);
  return target;
}

export function loadFloat64(target: Float64Array<ArrayBuffer>, saved: Float64Array, usedBefore: number): Float64Array<ArrayBuffer> {
  if (target.length < saved.length) return Float64Array.from(saved);
  target.set(saved);
  if (usedBefore > saved.length) target.fill(0, saved.length, usedBefore);
  return target;
}

export function loadUint8(target: Uint8Array<ArrayBuffer>, saved: Uint8Array, usedBefore: number): Uint8Array<ArrayBuffer> {
  if (target.length < saved.length) return Uint8Array.from(saved);
  target.set(saved);
  if (usedBefore > saved.length) target.fill(0, saved.length, usedBefore);
  return target;
}
