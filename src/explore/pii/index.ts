/** Suspected personal data: name hints, then validators (Luhn, mod 97, SSN rules) on sampled values. */
export { detectPiiOnRelation, type PiiColumn } from './detect.js';
