import { describe, expect, it } from 'vitest';
import type { ModelStage, ModelVersionRecord } from '../catalog/index.js';
import { emptyDeployment, loadSlot, rollbackLive, setShadow, setWeights, switchLive } from './deployment.js';

function version(n: number, stage: ModelStage, approved: boolean): ModelVersionRecord {
  return {
    projectId: 1,
    version: n,
    bundleHash: `b${n}`,
    files: {},
    stage,
    trainSeq: null,
    metrics: {},
    leaderboard: [],
    lineage: {},
    createdAt: '',
    stageChangedAt: '',
    approvals: approved ? [{ by: 'ana', at: '', note: null }] : [],
  };
}

describe('deployment rules', () => {
  const v1 = version(1, 'production', true);
  const v2 = version(2, 'staging', true);
  const v3 = version(3, 'none', false);
  const versions = new Map([v1, v2, v3].map((v) => [v.version, v]));

  it('lets only the approved production version into the live slot, anything current into the other', () => {
    const empty = emptyDeployment(1);
    expect(() => loadSlot(empty, 'blue', v2)).toThrow(/model version 2 is in staging, so it cannot be live in slot blue/);
    expect(() => loadSlot(empty, 'blue', v3)).toThrow(/model version 3 is not approved/);
    const live = loadSlot(empty, 'blue', v1);
    expect(loadSlot(live, 'green', v3).slots).toEqual({ blue: 1, green: 3 });
    expect(() => loadSlot(live, 'green', version(4, 'archived', true))).toThrow(/archived/);
  });

  it('switches only to the approved production version, and rolls back to the slot live before', () => {
    const state = loadSlot(loadSlot(emptyDeployment(1), 'blue', v1), 'green', v2);
    expect(() => switchLive(state, versions)).toThrow(/model version 2 is in staging, so it cannot be live in slot green/);
    const promoted = new Map(versions).set(2, { ...v2, stage: 'production' });
    const switched = switchLive(state, promoted);
    expect(switched).toMatchObject({ live: 'green', previousLive: 'blue', weights: { blue: 0, green: 100 } });
    const back = rollbackLive(switched, new Map(promoted).set(1, { ...v1, stage: 'archived' }));
    expect(back.state).toMatchObject({ live: 'blue', previousLive: 'green', weights: { blue: 100, green: 0 } });
    expect(back.model.version).toBe(1);
    expect(() => rollbackLive(state, versions)).toThrow(/no earlier live slot/);
  });

  it('splits traffic in whole percentages summing to 100, a share only for an approved current version', () => {
    const state = loadSlot(loadSlot(emptyDeployment(1), 'blue', v1), 'green', v2);
    expect(setWeights(state, { blue: 90, green: 10 }, versions).weights).toEqual({ blue: 90, green: 10 });
    expect(() => setWeights(state, { blue: 90, green: 20 }, versions)).toThrow(/add up to 110/);
    expect(() => setWeights(state, { blue: 0, green: 100 }, versions)).toThrow(/live slot blue would get no traffic/);
    expect(() => setWeights(state, { blue: 89.5, green: 10.5 }, versions)).toThrow(/whole percentages/);
    const unapproved = loadSlot(loadSlot(emptyDeployment(1), 'blue', v1), 'green', v3);
    expect(() => setWeights(unapproved, { blue: 90, green: 10 }, versions)).toThrow(/model version 3 is not approved/);
    // a shadow answers no one: an unapproved version may shadow
    expect(setShadow(unapproved, 'green', versions).shadow).toBe('green');
    expect(() => setShadow(unapproved, 'blue', versions)).toThrow(/slot blue is live/);
    expect(setShadow(unapproved, null, versions).shadow).toBeNull();
  });
});
