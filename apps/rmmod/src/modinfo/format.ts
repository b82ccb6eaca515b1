import type { ModinfoEntry, ModuleSignature } from '@kmodsim/linker';

// modinfo's output, laid out as kmod's tools/modinfo.c prints it: `key:` padded to 16 columns,
// parameters gathered from parm/parmtype pairs and printed last (most recently first seen
// first, as kmod's list grows at its head), signature fields after the .modinfo ones.

export interface ModinfoRequest {
  /** -F FIELD (or -a/-d/-l/-p/-n): print only that field's values. */
  readonly field?: string;
  /** '\n', or '\0' with -0. */
  readonly separator: string;
}

interface Param {
  readonly name: string;
  description?: string;
  type?: string;
}

/** The info list kmod_module_get_info builds: .modinfo pairs, then the signature's fields. */
export function infoList(modinfo: readonly ModinfoEntry[], signature: ModuleSignature | undefined): ModinfoEntry[] {
  if (signature === undefined) return [...modinfo];
  return [
    ...modinfo,
    { key: 'sig_id', value: signature.idType },
    { key: 'signer', value: signature.signer },
    { key: 'sig_key', value: hexColumns(signature.keyId) },
    { key: 'sig_hashalgo', value: signature.hashAlgorithm },
    { key: 'signature', value: hexColumns(signature.signature) },
  ];
}

/** `XX:XX:...`, twenty bytes to a line, continuation lines indented by two tabs. */
export function hexColumns(bytes: Uint8Array): string {
  const BYTES_PER_LINE = 20;
  let text = '';
  bytes.forEach((byte, i) => {
    text += byte.toString(16).toUpperCase().padStart(2, '0');
    if (i < bytes.length - 1) text += (i + 1) % BYTES_PER_LINE === 0 ? ':\n\t\t' : ':';
  });
  return text;
}

/** The lines after `filename:` for one module. */
export function formatInfo(list: readonly ModinfoEntry[], request: ModinfoRequest): string {
  const { field, separator } = request;
  if (field === 'parm') return formatParams(collectParams(list), separator, false);
  if (field !== undefined) return list.filter((e) => e.key === field).map((e) => `${e.value}${separator}`).join('');
  let text = '';
  for (const { key, value } of list) {
    if (key === 'parm' || key === 'parmtype') continue;
    // printf's "%-*s" with a negative width still pads, so keys over 15 columns get spaces too.
    text += separator === '\0' ? `${key}=${value}${separator}` : `${key}:${' '.repeat(Math.abs(15 - key.length))}${value}${separator}`;
  }
  return text + formatParams(collectParams(list), separator, true);
}

function collectParams(list: readonly ModinfoEntry[]): Param[] {
  const params: Param[] = [];
  for (const { key, value } of list) {
    if (key !== 'parm' && key !== 'parmtype') continue;
    const colon = value.indexOf(':');
    if (colon < 0) continue;
    const name = value.slice(0, colon);
    let param = params.find((p) => p.name === name);
    if (param === undefined) {
      param = { name };
      params.unshift(param);
    }
    if (key === 'parm') param.description = value.slice(colon + 1);
    else param.type = value.slice(colon + 1);
  }
  return params;
}

function formatParams(params: readonly Param[], separator: string, labelled: boolean): string {
  const label = labelled ? 'parm:'.padEnd(16) : '';
  return params
    .map(({ name, description, type }) => {
      if (description === undefined) return labelled ? `${label}${name}:${type ?? ''}${separator}` : `${name}: (${type ?? ''})${separator}`;
      if (type !== undefined) return `${label}${name}:${description} (${type})${separator}`;
      return `${label}${name}:${description}${separator}`;
    })
    .join('');
}

/** Warnings kmod prints for parm/parmtype strings without a colon. */
export function paramWarnings(list: readonly ModinfoEntry[]): string[] {
  return list.filter((e) => (e.key === 'parm' || e.key === 'parmtype') && !e.value.includes(':')).map((e) => `Found invalid "${e.key}=${e.value}": missing ':'`);
}
