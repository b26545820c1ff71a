/** A share (0..1) as a percentage for messages and notes: `percent(0.1234)` is "12.3%", `percent(0.1234, 0)` "12%". */
export function percent(share: number, decimals = 1): string {
  return `${Math.round(share * 10 ** (decimals + 2)) / 10 ** decimals}%`;
}
