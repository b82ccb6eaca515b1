import { testIo } from '@kmodsim/cli';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { emptySummary, junitReporter } from '../src/check/reporters.js';
import { main } from '../src/cli.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Characters XML 1.0 allows (its Char production). */
// eslint-disable-next-line no-control-regex -- tab, LF and CR are the controls XML allows
const XML_CHAR = /^[\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const REFERENCE = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/y;

/**
 * Throws unless `text` is a well-formed XML document of the kind a JUnit report is: a declaration,
 * elements with quoted attributes, text, entity and character references; no comments, CDATA or
 * DOCTYPE. A stand-in for a real parser, which the offline tree does not have.
 */
function assertWellFormed(text: string): void {
  if (!XML_CHAR.test(text)) throw new Error('a character XML 1.0 does not allow');
  let at = 0;
  const open: string[] = [];
  const declaration = /<\?xml[^?<>]*\?>\s*/y;
  if (declaration.exec(text) !== null) at = declaration.lastIndex;
  const tag = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*\s*=\s*"[^"<]*")*)\s*(\/?)>/y;
  const plain = /[^<&]+/y;
  let seenRoot = false;
  while (at < text.length) {
    const char = text[at];
    if (char === '<') {
      tag.lastIndex = at;
      const match = tag.exec(text);
      if (match === null) throw new Error(`a malformed tag at ${at}: ${text.slice(at, at + 40)}`);
      const [, closing, name = '', attributes = '', selfClosing] = match;
      for (const value of attributes.matchAll(/"([^"]*)"/g)) checkReferences(value[1] ?? '', at);
      if (closing === '/') {
        if (open.pop() !== name) throw new Error(`</${name}> closes nothing open at ${at}`);
      } else {
        if (open.length === 0 && seenRoot) throw new Error('a second root element');
        seenRoot = true;
        if (selfClosing !== '/') open.push(name);
      }
      at = tag.lastIndex;
    } else {
      if (open.length === 0 && char !== undefined && !/\s/.test(char)) throw new Error(`text outside the root at ${at}`);
      if (char === '&') {
        REFERENCE.lastIndex = at;
        if (REFERENCE.exec(text) === null) throw new Error(`a bare & at ${at}`);
        at = REFERENCE.lastIndex;
        continue;
      }
      plain.lastIndex = at;
      const run = plain.exec(text)?.[0] ?? '';
      if (run.includes(']]>')) throw new Error(`]]> in text at ${at}`);
      at += run.length;
    }
  }
  if (open.length > 0 || !seenRoot) throw new Error(`unclosed: ${open.join(', ')}`);
}

function checkReferences(value: string, at: number): void {
  const bare = value.replace(/&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, '');
  if (bare.includes('&') || bare.includes('<')) throw new Error(`an attribute with a bare & or < at ${at}`);
}

describe('the well-formedness check the JUnit tests rely on', () => {
  test('refuses what the old report wrote for such a name, and accepts what it writes now', () => {
    expect(() => { assertWellFormed('<a b="x\u0007"/>'); }).toThrow('a character XML 1.0 does not allow');
    expect(() => { assertWellFormed('<a>x & y</a>'); }).toThrow('a bare &');
    expect(() => { assertWellFormed('<a><b></a></b>'); }).toThrow('closes nothing');
    expect(() => { assertWellFormed('<a b="&amp;&lt;\uFFFD">]]&gt;</a>'); }).not.toThrow();
  });
});

describe('--reporter junit', () => {
  test("a strategy whose name holds markup and a control character still gives a well-formed report, the name escaped and the character replaced by U+FFFD", async () => {
    const io = testIo({ cwd: fixtures });
    const code = await main(['check', '--strategy', './oddly-named.mjs', '--scenario', 'unload-vs-get', '--preemptions', '1', '--irqs', '0', '--reporter', 'junit'], io);
    expect(code).toBe(1);
    const report = io.stdoutText();
    assertWellFormed(report);
    expect(report).toContain('classname="kmodsim-compare.a&amp;b&lt;c&gt;&quot;d]]&gt;\uFFFD"');
    expect(report).toContain('failures="1"');
  });

  test('messages and details lose the characters XML cannot hold, lone surrogates and U+FFFE/U+FFFF included, and keep tab, LF and CR', () => {
    const io = testIo();
    const reporter = junitReporter(io);
    reporter.error('s\u0000', 'n\u001F', 'bad \uD800 half \uDC00 pair \uD83D\uDE00 end \uFFFE\uFFFF\ttab\r\nline', 0);
    reporter.notApplicable('s', 'n', 'skip\u000B\u000C');
    reporter.end(emptySummary('sc'));
    const report = io.stdoutText();
    assertWellFormed(report);
    expect(report).toContain('classname="kmodsim-compare.s\uFFFD"');
    expect(report).toContain('name="n\uFFFD"');
    expect(report).toContain('message="bad \uFFFD half \uFFFD pair \uD83D\uDE00 end \uFFFD\uFFFD\ttab\r\nline"');
    expect(report).toContain('<skipped message="skip\uFFFD\uFFFD"/>');
  });
});
