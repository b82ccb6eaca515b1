import { createRequire } from 'node:module';
import type * as Cms from '@peculiar/asn1-cms';
import type * as Schema from '@peculiar/asn1-schema';
import type * as X509 from '@peculiar/asn1-x509';

// The ASN.1 libraries that read signatures and certificates, loaded the first time one is read.
// Loading them costs more than reading most modules (they are hundreds of small files), and most
// modules a tool reads carry no signature, so insmod and modprobe should not pay for them.
// Their CommonJS builds are loaded, all three, so that they share one schema registry.

export interface Asn1 {
  readonly schema: typeof Schema;
  readonly cms: typeof Cms;
  readonly x509: typeof X509;
}

const loadCommonJs = createRequire(import.meta.url);
let loaded: Asn1 | undefined;

export function asn1(): Asn1 {
  loaded ??= {
    schema: loadCommonJs('@peculiar/asn1-schema') as typeof Schema,
    cms: loadCommonJs('@peculiar/asn1-cms') as typeof Cms,
    x509: loadCommonJs('@peculiar/asn1-x509') as typeof X509,
  };
  return loaded;
}
