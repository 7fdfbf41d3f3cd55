import fc from 'fast-check';

/** How many random inputs each form property tries. */
export const PROPERTY_RUNS = 30;

// Markup, SQL, template syntax, NUL, CR/LF, bidi and width tricks, look-alikes, and valid-looking
// values so that some runs get past validation.
const HOSTILE = [
  '',
  ' ',
  '\u0000',
  '\r\nBcc: spy@evil.example',
  '<script>alert(1)</script>',
  '"><svg onload=alert(1)>',
  "'; drop table portal.professional; --",
  '%',
  '%00',
  '%E0%A4%A',
  '<%= it.csrfToken %>',
  '{{7*7}}',
  '\u202eevil',
  '\u212Aate@example.com',
  'kate@ex\u0430mple.com',
  '\ud800',
  '00000000-0000-0000-0000-000000000000',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  'yes',
  'active',
  'Ada',
  'valid@example.com',
  'A'.repeat(300),
];

/** A value a hostile client may type: random text, random bytes, a known trick, or a huge value. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 1, arbitrary: fc.nat({ max: 40_000 }).map((n) => 'y'.repeat(n)) },
);

/** One field as a hostile client may send it: absent, one value, repeated, or nested. */
export const hostileField = (name: string, samples: fc.Arbitrary<string>): fc.Arbitrary<[string, string][]> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant<[string, string][]>([]) },
    { weight: 6, arbitrary: fc.oneof(samples, hostileText).map((v): [string, string][] => [[name, v]]) },
    {
      weight: 1,
      arbitrary: fc
        .array(hostileText, { minLength: 1, maxLength: 3 })
        .map((vs) => vs.map((v): [string, string] => [`${name}[]`, v])),
    },
    { weight: 1, arbitrary: hostileText.map((v): [string, string][] => [[`${name}[x][y]`, v]]) },
  );
