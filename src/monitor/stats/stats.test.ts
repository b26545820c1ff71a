import { describe, expect, it } from 'vitest';
import { chiSquareGoodnessOfFit, jensenShannonDistance } from './distances.js';
import { kolmogorovSurvival, ksTwoSamplePValue } from './ks.js';

/*
 * Reference values from scipy 1.17.1 (Debian python3-scipy), computed once and written here:
 *   from scipy import stats, special; from scipy.spatial import distance
 *   stats.ks_2samp(a, b)                       # method='auto': exact up to 10,000 values a side
 *   stats.kstwo.sf(d, n)                        # the one-sample distribution behind method='asymp'
 *   stats.chisquare(obs, exp * obs.sum() / exp.sum())
 *   distance.jensenshannon(p, q)                # natural log
 */
describe('Kolmogorov–Smirnov p-values against scipy', () => {
  it.each([
    // [d, n, m, scipy ks_2samp p-value]
    [0.3, 20, 20, 0.33559098126008213],
    [0.2, 50, 80, 0.14841312779682073],
    [0.12, 300, 700, 0.0043436554719248266],
    [0.05, 1000, 3000, 0.046235107601600406],
    [0.35, 7, 13, 0.4833849329205366],
  ])('d=%f, n=%i, m=%i (exact)', (d, n, m, p) => {
    expect(ksTwoSamplePValue(d, n, m)).toBeCloseTo(p, 9);
  });

  it.each([
    // [n, d, scipy kstwo.sf(d, n)]
    [500, 0.05, 0.15866260223815387],
    [999, 0.04, 0.07959389726965271],
    [60, 0.15, 0.12110534950589669],
  ])('one-sample Kolmogorov sf(n=%i, d=%f)', (n, d, p) => {
    // scipy evaluates large n by an asymptotic series (Pelz–Good); Marsaglia–Tsang–Wang is exact:
    // they agree to ~1e-7 relative, far below what a drift verdict at p < 0.05 can notice
    expect(Math.abs(kolmogorovSurvival(n, d) - p) / p).toBeLessThan(1e-6);
  });

  it('asymptotic beyond 10,000 values a side, as ks_2samp(method="auto")', () => {
    // scipy: ks_2samp p for d=0.05, n=1000, m=20000 → kstwo.sf(0.05, round(1000·20000/21000)=952)
    expect(Math.abs(ksTwoSamplePValue(0.05, 1000, 20000) - 0.016543801179226124) / 0.016543801179226124).toBeLessThan(1e-6);
  });
});

describe('chi-square and Jensen–Shannon against scipy', () => {
  it('chi-square goodness of fit of current counts to reference shares', () => {
    const r = chiSquareGoodnessOfFit([50, 30, 20], [40, 45, 15]);
    expect(r.df).toBe(2);
    expect(r.statistic).toBeCloseTo(10.75, 10);
    expect(r.pValue).toBeCloseTo(0.004630918733533247, 9);
  });
  it('a category new in the current rows makes the p-value 0', () => {
    expect(chiSquareGoodnessOfFit([10, 10, 0], [5, 5, 1]).pValue).toBe(0);
  });
  it('Jensen–Shannon distance', () => {
    expect(jensenShannonDistance([50, 30, 20], [40, 45, 15])).toBeCloseTo(0.11011892498610816, 12);
    expect(jensenShannonDistance([5, 0, 3], [0, 4, 4])).toBeCloseTo(0.6279927425961935, 12);
    expect(jensenShannonDistance([1, 2, 3], [2, 4, 6])).toBeCloseTo(0, 12);
  });
});
