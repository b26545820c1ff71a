import { InputError } from '../common/errors.js';
import { ForestModel, type ForestModelJSON } from './forest.js';
import { GbdtModel, type GbdtModelJSON } from './gbdt.js';
import { LinearModel, type LinearModelJSON } from './linear/index.js';
import type { Predictor } from './types.js';

/** Restores a model saved with `toJSON()`; it predicts bit-identically to the saved one. */
export function loadModel(json: { readonly kind: string } & Record<string, unknown>): Predictor {
  if (typeof json !== 'object' || json === null || typeof json.kind !== 'string') {
    throw new InputError('the model JSON has no kind', 'load a model file written by autolab');
  }
  switch (json.kind) {
    case 'gbdt':
      return GbdtModel.fromJSON(json as unknown as GbdtModelJSON);
    case 'forest':
      return ForestModel.fromJSON(json as unknown as ForestModelJSON);
    case 'linear':
      return LinearModel.fromJSON(json as unknown as LinearModelJSON);
    default:
      throw new InputError(`model kind '${json.kind}' is unknown`, 'load a model file written by this version of autolab');
  }
}
