import type { Errno } from '@kmodsim/cpu';
import { parseInteger, parseKernelBool, type IntegerType } from './kstrtox.js';

// A module's parameters as load_module hands them to parse_args (kernel/params.c, Linux 6.1):
// the string user space passed to init_module, split as next_arg splits it, each name matched
// (with '-' and '_' the same) against the parameters the module declares, each value set by its
// type's ops. A parameter the module does not declare is ignored with a warning; a value its
// type refuses fails the load, after every parameter has been tried.
//
// The types come from the module's `parmtype=name:type` strings: the kernel knows each
// parameter's ops from its __param section, but a module_param() declares both with the same
// type name, so the two agree. A parameter with a type we do not know (module_param_cb's own
// ops) takes any value.

export interface ModuleParam {
  readonly name: string;
  /** The parmtype: `int`, `bool`, `array of int`, ...; undefined when the module gives none. */
  readonly type?: string | undefined;
}

export interface ParsedArgs {
  /** The kernel log's lines, in order. */
  readonly log: readonly string[];
  /** The error load_module fails with: the last parameter's that failed. */
  readonly errno?: Errno;
}

/** Parameters every module takes, handled by the module loader itself rather than the module. */
const LOADER_PARAMS = new Set(['async_probe', 'dyndbg']);
/** param_set_charp refuses a longer string. */
const CHARP_MAX_LENGTH = 1024;

export function parseModuleArgs(moduleName: string, args: string, params: readonly ModuleParam[]): ParsedArgs {
  const log: string[] = [];
  let errno: Errno | undefined;
  for (const { param, value } of splitArgs(args)) {
    // parse_args stops at a bare "--"; the rest is for init, which modules do not use.
    if (value === undefined && param === '--') break;
    const declared = params.find((candidate) => sameName(candidate.name, param));
    if (declared === undefined) {
      if (!LOADER_PARAMS.has(param)) log.push(`${moduleName}: unknown parameter '${param}' ignored`);
      continue;
    }
    const failed = setParam(moduleName, declared, value, log);
    if (failed === undefined) continue;
    log.push(failed === 'ENOSPC'
      ? `${moduleName}: \`${value ?? ''}' too large for parameter \`${param}'`
      : `${moduleName}: \`${value ?? ''}' invalid for parameter \`${param}'`);
    errno = failed;
  }
  return errno === undefined ? { log } : { log, errno };
}

/** parameq: dashes and underscores are interchangeable in parameter names. */
function sameName(a: string, b: string): boolean {
  return a.replaceAll('-', '_') === b.replaceAll('-', '_');
}

/** The type's set operation: undefined when it takes the value, else its error. */
function setParam(moduleName: string, param: ModuleParam, value: string | undefined, log: string[]): Errno | undefined {
  const type = param.type ?? '';
  if (type.startsWith('array of ')) {
    // No value at all is refused before the array's set runs; each element is set by its own type.
    if (value === undefined) return 'EINVAL';
    const elementType = type.slice('array of '.length);
    for (const element of value.split(',')) {
      const failed = setScalar(moduleName, param.name, elementType, element, log);
      if (failed !== undefined) return failed;
    }
    return undefined;
  }
  return setScalar(moduleName, param.name, type, value, log);
}

const INTEGER_TYPES: Readonly<Record<string, IntegerType>> = {
  byte: { bits: 8, signed: false },
  short: { bits: 16, signed: true },
  ushort: { bits: 16, signed: false },
  int: { bits: 32, signed: true },
  uint: { bits: 32, signed: false },
  hexint: { bits: 32, signed: false },
  long: { bits: 64, signed: true },
  ulong: { bits: 64, signed: false },
  ullong: { bits: 64, signed: false },
};

function setScalar(moduleName: string, name: string, type: string, value: string | undefined, log: string[]): Errno | undefined {
  const integer = INTEGER_TYPES[type];
  if (integer !== undefined) return value === undefined ? 'EINVAL' : parseInteger(value, integer);
  switch (type) {
    // Only bool and bint take a bare name (KERNEL_PARAM_OPS_FL_NOARG), which means "1".
    case 'bool':
    case 'bint':
      return parseKernelBool(value ?? '1');
    case 'invbool':
      return value === undefined ? 'EINVAL' : parseKernelBool(value);
    case 'charp':
      if (value === undefined) return 'EINVAL';
      if (value.length <= CHARP_MAX_LENGTH) return undefined;
      log.push(`${moduleName}: ${name}: string parameter too long`);
      return 'ENOSPC';
    case 'string':
      return value === undefined ? 'EINVAL' : undefined;
    default:
      return undefined;
  }
}

/** next_arg: words separated by white space, double quotes keeping spaces in and being dropped. */
export function splitArgs(args: string): { param: string; value: string | undefined }[] {
  const words: { param: string; value: string | undefined }[] = [];
  let rest = args.trimStart();
  while (rest !== '') {
    let text = rest;
    let quoted = false;
    if (text.startsWith('"')) {
      text = text.slice(1);
      quoted = true;
    }
    let inQuote = quoted;
    let equals = 0;
    let end = 0;
    for (; end < text.length; end++) {
      const char = text.charAt(end);
      if (/\s/.test(char) && !inQuote) break;
      if (equals === 0 && char === '=') equals = end;
      if (char === '"') inQuote = !inQuote;
    }
    let word = text.slice(0, end);
    if (quoted && word.endsWith('"')) word = word.slice(0, -1);
    if (equals === 0) words.push({ param: word, value: undefined });
    else {
      let value = word.slice(equals + 1);
      // The kernel drops a value's opening quote, and its closing one when the word ends in it.
      if (value.startsWith('"')) value = value.slice(1).replace(/"$/, '');
      words.push({ param: word.slice(0, equals), value });
    }
    rest = text.slice(end + 1).trimStart();
  }
  return words;
}
