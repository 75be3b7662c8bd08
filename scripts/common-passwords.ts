// Regenerates src/auth/common-passwords.txt, the list the password policy rejects
// (src/auth/password-policy.ts). Run: `npx tsx scripts/common-passwords.ts [passwords.json]`.
//
// Source: the password frequency list of zxcvbn (Dropbox, 2012-2016), as shipped in the npm
// package @zxcvbn-ts/language-common 4.1.3, file `src/passwords.json` (49,233 entries, most
// frequent first, all ASCII lower case). Licence: MIT, "Copyright (c) 2012-2016 Dan Wheeler and
// Dropbox, Inc. / Copyright (c) 2021 @zxcvbn-ts" (LICENSE.txt in that package). The package is
// not a dependency: this script fetches its tarball with `npm pack`, checks it against the
// integrity the registry published for 4.1.3, and extracts the one file.
//
// Selection: the 10,000 most frequent entries that the length rule alone would let through
// (8..128 code points after NFC). Shorter entries ("123456", "qwerty") are already refused as
// too short, so listing them would only crowd out longer common passwords. NIST SP 800-63B
// §5.1.1.2: "verifiers SHALL compare the prospective secrets against a list that contains values
// known to be commonly-used, expected, or compromised."
//
// Output: one password per line, NFC, lower case (the policy compares case-insensitively),
// deduplicated, in frequency order, "\n" line ends. The Worker imports the file as a text module
// (wrangler's default rule for **/*.txt), so it is bundled and never read from disk at run time.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const PACKAGE = '@zxcvbn-ts/language-common@4.1.3';
// `npm view @zxcvbn-ts/language-common@4.1.3 dist.integrity`
const INTEGRITY =
  'sha512-g2bg4skmlJG9aJqC/nWziZzgYpSe/f3rKeGobrkdFiOrfZVFqqzUgC6BUQWuX54Sua9j0Jxxt+1bf4f/Mal1Kg==';
const COUNT = 10_000;
// Must match src/auth/password-policy.ts.
const MIN_LENGTH = 8;
const MAX_LENGTH = 128;
const OUTPUT = resolve(import.meta.dirname, '../src/auth/common-passwords.txt');

function readSourceList(explicitPath: string | undefined): unknown {
  if (explicitPath) return JSON.parse(readFileSync(explicitPath, 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'common-passwords-'));
  try {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', PACKAGE, '--json', '--pack-destination', dir], {
        encoding: 'utf8',
      }),
    ) as { filename: string }[];
    const filename = packed[0]?.filename;
    if (!filename) throw new Error(`npm pack ${PACKAGE} returned no file`);
    const tarball = join(dir, filename);
    const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (integrity !== INTEGRITY) {
      throw new Error(`${PACKAGE} tarball integrity ${integrity} != pinned ${INTEGRITY}`);
    }
    execFileSync('tar', ['-xzf', tarball, '-C', dir, 'package/src/passwords.json']);
    return JSON.parse(readFileSync(join(dir, 'package/src/passwords.json'), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const source = readSourceList(process.argv[2]);
if (!Array.isArray(source) || !source.every((entry) => typeof entry === 'string')) {
  throw new Error('expected passwords.json to be an array of strings');
}

const selected = new Set<string>();
for (const entry of source as string[]) {
  const password = entry.normalize('NFC').toLowerCase();
  // The file is line-based: an entry with a line break could not round-trip.
  if (/[\r\n]/.test(password)) continue;
  const length = [...password].length;
  if (length < MIN_LENGTH || length > MAX_LENGTH) continue;
  selected.add(password);
  if (selected.size === COUNT) break;
}
if (selected.size < COUNT) {
  throw new Error(`only ${selected.size} eligible entries in the source, wanted ${COUNT}`);
}

writeFileSync(OUTPUT, `${[...selected].join('\n')}\n`);
console.log(`wrote ${selected.size} passwords to ${OUTPUT}`);
