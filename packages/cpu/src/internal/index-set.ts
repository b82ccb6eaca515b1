/** A set of small integers with O(1) add, remove, membership and indexed access. */
export class IndexSet {
  private readonly members: Int32Array;
  private readonly positions: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.members = new Int32Array(capacity);
    this.positions = new Int32Array(capacity).fill(-1);
  }

  has(value: number): boolean {
    return (this.positions[value] ?? -1) >= 0;
  }

  at(index: number): number {
    return this.members[index] ?? -1;
  }

  add(value: number): void {
    if (this.has(value)) return;
    this.members[this.size] = value;
    this.positions[value] = this.size;
    this.size++;
  }

  /** The members in their order. */
  list(): number[] {
    return Array.from(this.members.subarray(0, this.size));
  }

  /** Makes the set hold `values`, in that order. */
  load(values: readonly number[]): void {
    for (let index = 0; index < this.size; index++) this.positions[this.members[index] ?? 0] = -1;
    this.size = 0;
    for (const value of values) this.add(value);
  }

  delete(value: number): void {
    const position = this.positions[value] ?? -1;
    if (position < 0) return;
    this.size--;
    const last = this.members[this.size] ?? -1;
    this.members[position] = last;
    this.positions[last] = position;
    this.positions[value] = -1;
  }
}
