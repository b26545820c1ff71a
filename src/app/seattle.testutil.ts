import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * vega-datasets' seattle-weather (daily, 2012–2015: date, precipitation, temp_max, temp_min, wind,
 * weather) by year: each year's CSV lines, its header first.
 */
export function seattleByYear(): Map<string, string[]> {
  const path = join(dirname(fileURLToPath(import.meta.url)), '../../node_modules/vega-datasets/data/seattle-weather.csv');
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const years = new Map<string, string[]>();
  for (const line of lines) {
    const year = line.slice(0, 4);
    years.set(year, [...(years.get(year) ?? [header!]), line]);
  }
  return years;
}
