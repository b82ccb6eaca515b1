import { describe, expect, test } from 'vitest';
import { done, errnoFromNumber, errnoNumber, fail, isErrno, ok, strerror } from '@kmodsim/cpu';

describe('the one result vocabulary', () => {
  test('a failure carries its errno, its message and the detail a caller needs beside them', () => {
    expect(fail('ENOEXEC', 'bad ELF', { file: 'a.ko' })).toEqual({ ok: false, errno: 'ENOEXEC', message: 'bad ELF', file: 'a.ko' });
    // The detail cannot turn a failure into something else.
    expect(fail('EINVAL', 'no', { ok: true, errno: 'EPERM', message: 'yes' })).toEqual({ ok: false, errno: 'EINVAL', message: 'no' });
  });

  test('success carries its value; a call that returns only 0 succeeds with done', () => {
    expect(ok(3)).toEqual({ ok: true, value: 3 });
    expect(done).toEqual({ ok: true, value: undefined });
  });

  test('errnos read as glibc prints them and map to and from the kernel numbers', () => {
    expect(strerror('EWOULDBLOCK')).toBe('Resource temporarily unavailable');
    expect(strerror('ENOKEY')).toBe('Required key not available');
    expect(errnoNumber('ENODEV')).toBe(19);
    expect(errnoFromNumber(19)).toBe('ENODEV');
    expect(errnoFromNumber(9999)).toBeUndefined();
    // A front end reads Node's code for a failed file call into the same vocabulary.
    expect(isErrno('EACCES') && strerror('EACCES')).toBe('Permission denied');
    expect(isErrno('ERR_INVALID_ARG_TYPE')).toBe(false);
    expect(isErrno('toString')).toBe(false);
  });
});
