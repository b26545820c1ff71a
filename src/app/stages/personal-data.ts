import type { ColumnTag } from '../../explore/index.js';

/**
 * Personal data silver drops, masks or hashes (the confirmed policy, else the suggested one, as
 * silver applies it) is never learned from: a masked or hashed value only identifies a person.
 */
export function isPersonalData(c: ColumnTag): boolean {
  const policy = c.confirmed.piiPolicy !== undefined ? c.confirmed.piiPolicy : c.suggestion.piiPolicy.value;
  return policy === 'drop' || policy === 'mask' || policy === 'hash';
}
