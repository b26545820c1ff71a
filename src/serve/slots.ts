import { UsageError } from '../common/index.js';
import type { ServedModel } from './served-model.js';

export type SlotName = 'blue' | 'green';
export const SLOT_NAMES: readonly SlotName[] = ['blue', 'green'];

/**
 * What the two slots hold and how traffic goes between them. `live` is the champion: it answers
 * every request unless `weights` split the traffic; with `shadow`, the other slot (the challenger)
 * scores every request too — its scores are logged and counted, never returned.
 */
export interface SlotsConfig {
  readonly blue?: ServedModel | undefined;
  readonly green?: ServedModel | undefined;
  readonly live: SlotName;
  /** share of requests each slot answers (any non-negative numbers, not both 0); default: all to `live` */
  readonly weights?: Readonly<Record<SlotName, number>> | undefined;
  readonly shadow?: boolean | undefined;
}

/** The slot chosen for one request, and the one scoring in its shadow. */
export interface Routing {
  readonly answer: { readonly slot: SlotName; readonly model: ServedModel };
  readonly shadow?: { readonly slot: SlotName; readonly model: ServedModel };
}

interface State {
  readonly config: SlotsConfig;
  /** probability that a request goes to blue */
  readonly blueShare: number;
}

function other(slot: SlotName): SlotName {
  return slot === 'blue' ? 'green' : 'blue';
}

/** Checks a configuration before it takes traffic: every slot that may answer or shadow holds a model. */
function checked(config: SlotsConfig): State {
  if (!SLOT_NAMES.includes(config.live)) throw new UsageError(`live slot '${String(config.live)}' is not a slot`, "name 'blue' or 'green'");
  if (!config[config.live]) throw new UsageError(`the live slot ${config.live} holds no model`, 'load a model into it before sending it traffic');
  let blueShare = config.live === 'blue' ? 1 : 0;
  if (config.weights) {
    const { blue, green } = config.weights;
    if (!(Number.isFinite(blue) && Number.isFinite(green) && blue >= 0 && green >= 0 && blue + green > 0)) {
      throw new UsageError(`slot weights blue=${blue} green=${green} do not split traffic`, 'give two non-negative numbers, not both 0');
    }
    for (const slot of SLOT_NAMES) {
      if (config.weights[slot] > 0 && !config[slot]) throw new UsageError(`slot ${slot} has weight ${config.weights[slot]} but holds no model`, 'load a model into it or give it weight 0');
    }
    blueShare = blue / (blue + green);
  }
  if (config.shadow === true && !config[other(config.live)]) throw new UsageError(`shadow mode needs a model in slot ${other(config.live)}`, 'load the challenger into it first');
  return { config, blueShare };
}

/**
 * The two slots of a service. `setSlots` replaces the whole configuration in one assignment: a
 * request routed before it finishes on the models it was given, every later one sees the new
 * configuration; no request sees half of a change.
 */
export class SlotRouter {
  #state: State;
  readonly #random: () => number;

  constructor(config: SlotsConfig, random: () => number = Math.random) {
    this.#state = checked(config);
    this.#random = random;
  }

  get config(): SlotsConfig {
    return this.#state.config;
  }

  /** Replaces the slots; a configuration that cannot serve is refused and the current one kept. */
  setSlots(config: SlotsConfig): void {
    this.#state = checked(config);
  }

  /** The model that answers the live slot's traffic (health, schema, the v2 model name). */
  get live(): { readonly slot: SlotName; readonly model: ServedModel } {
    const { config } = this.#state;
    return { slot: config.live, model: config[config.live]! };
  }

  route(): Routing {
    const { config, blueShare } = this.#state;
    const slot: SlotName = blueShare >= 1 ? 'blue' : blueShare <= 0 ? 'green' : this.#random() < blueShare ? 'blue' : 'green';
    const answer = { slot, model: config[slot]! };
    if (config.shadow !== true) return { answer };
    const challenger = other(config.live);
    // the request answered by the challenger (a weighted split) is shadowed by the champion
    const shadowSlot = slot === challenger ? config.live : challenger;
    return { answer, shadow: { slot: shadowSlot, model: config[shadowSlot]! } };
  }
}
