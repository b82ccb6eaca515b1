import { MAX_NAME_BYTES } from '../limits.js';
import { overLimit } from './defect.js';

// What one file's names may cost in all (MAX_NAME_BYTES): a name is counted each time it is
// decoded or scanned, so that thousands of headers or symbols naming one long string are refused
// after a few copies instead of each becoming a string of its own. ElfFile and depmod's summary
// reader count the same names, so that they refuse the same files with the same words.

export class NameBudget {
  private left = MAX_NAME_BYTES;

  /** Counts a name of `length` bytes and its NUL; ENOMEM once the file's names pass the limit. */
  spend(length: number): void {
    this.left -= length + 1;
    if (this.left < 0) overLimit(`the file's section and symbol names come to more than the limit of ${MAX_NAME_BYTES} bytes`);
  }
}
