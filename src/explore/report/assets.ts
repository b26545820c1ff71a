/**
 * The chart libraries the HTML report inlines (so that it opens anywhere, offline): Vega, Vega-Lite
 * and Vega-Embed, read once from their installed packages.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LabError } from '../../common/index.js';

const SCRIPTS: readonly { pkg: string; file: string }[] = [
  { pkg: 'vega', file: 'vega.min.js' },
  { pkg: 'vega-lite', file: 'vega-lite.min.js' },
  { pkg: 'vega-embed', file: 'vega-embed.min.js' },
];

let cached: string[] | undefined;

/** The three minified scripts, safe to place inside <script> elements. */
export function chartScripts(): readonly string[] {
  cached ??= SCRIPTS.map(({ pkg, file }) => {
    const path = scriptPath(pkg, file);
    return readFileSync(path, 'utf8')
      .replace(/\/\/# sourceMappingURL=\S+\s*$/, '')
      .replaceAll('</script', '<\\/script');
  });
  return cached;
}

function scriptPath(pkg: string, file: string): string {
  const require = createRequire(import.meta.url);
  // the packages' export maps hide build/*.min.js; their main entry sits in the same build folder
  let main: string;
  try {
    main = require.resolve(pkg);
  } catch (error) {
    throw new LabError(`the chart library ${pkg} is not installed`, 'reinstall autolab (npm ci)', { cause: error });
  }
  for (let dir = dirname(main); dirname(dir) !== dir; dir = dirname(dir)) {
    const candidate = join(dir, file);
    if (existsSync(candidate)) return candidate;
    const inBuild = join(dir, 'build', file);
    if (existsSync(inBuild)) return inBuild;
    if (existsSync(join(dir, 'package.json'))) break;
  }
  throw new LabError(`${file} is missing from the ${pkg} package`, 'reinstall autolab (npm ci)');
}
