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
