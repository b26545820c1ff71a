import { describe, expect, it } from 'vitest';
import type { ProjectStatus } from '../catalog/index.js';
import { STAGES, projectView } from './status.js';

function status(partial: Partial<ProjectStatus>, settings: Record<string, unknown> = {}): ProjectStatus {
  return {
    project: { id: 1, name: 'churn', createdAt: '2026-01-01T00:00:00.000Z', settings },
    sources: 0,
    tablesIngested: 0,
    snapshots: 0,
    lastSnapshotAt: null,
    lastDoneByKind: {},
    lastActions: [],
    ...partial,
  };
}

describe('projectView', () => {
  it('lists every stage of the flow in order', () => {
    expect(projectView(status({})).stages.map((s) => s.stage)).toEqual([
      'sources', 'ingested', 'explored', 'tagged', 'silver', 'gold', 'trained', 'registered', 'approved', 'deployed', 'monitored',
    ]);
  });

  it('passes gold by for a project trained on silver, and asks for it after silver otherwise', () => {
    const done = { 'source.add': '2026-01-01', 'ingest.table': '2026-01-02', 'explore.table': '2026-01-03', 'tags.suggest': '2026-01-03', 'tags.confirm': '2026-01-04', 'silver.build': '2026-01-05' };
    const silverOnly = projectView(status({ sources: 1, tablesIngested: 1, lastDoneByKind: { ...done, 'automl.train': '2026-01-06' } }));
    expect(silverOnly.stages.find((s) => s.stage === 'gold')?.state).toBe('not needed');
    expect(silverOnly.next?.stage).toBe('registered');
    const beforeGold = projectView(status({ sources: 1, tablesIngested: 1, lastDoneByKind: done }));
    expect(beforeGold.stages.find((s) => s.stage === 'gold')?.state).toBe('todo');
    expect(beforeGold.next).toMatchObject({ waitsOn: 'lab', stage: 'gold' });
  });

  it('asks a person for sources, then the lab to ingest, and notices sources added after the last ingest', () => {
    expect(projectView(status({})).next).toEqual({ waitsOn: 'person', stage: 'sources', message: 'add a source: autolab source add NAME URI --project churn' });
    expect(projectView(status({ sources: 2, lastDoneByKind: { 'source.add': '2026-01-02' } })).next).toMatchObject({
      waitsOn: 'lab',
      message: 'run autolab ingest churn',
    });
    const later = status({ sources: 2, tablesIngested: 1, lastDoneByKind: { 'source.add': '2026-01-03', 'ingest.table': '2026-01-02' } });
    expect(projectView(later).next?.message).toBe('new sources are not ingested yet: run autolab ingest churn');
  });

  it('notices snapshots newer than the last exploration and tag suggestions newer than the last confirmation', () => {
    const done = { 'source.add': '2026-01-01', 'explore.table': '2026-01-03', 'tags.suggest': '2026-01-03', 'tags.confirm': '2026-01-04' };
    const settled = status({ sources: 1, tablesIngested: 1, lastDoneByKind: { ...done, 'ingest.table': '2026-01-02' } });
    expect(projectView(settled).next?.stage).toBe('silver');
    const reingested = status({ sources: 1, tablesIngested: 1, lastSnapshotAt: '2026-01-05', lastDoneByKind: { ...done, 'ingest.table': '2026-01-05' } });
    // an ingest that found nothing new is no reason to explore again
    expect(projectView(status({ sources: 1, tablesIngested: 1, lastSnapshotAt: '2026-01-02', lastDoneByKind: { ...done, 'ingest.table': '2026-01-05' } })).next?.stage).toBe('silver');
    expect(projectView(reingested).next).toEqual({ waitsOn: 'lab', stage: 'explored', message: 'new snapshots are not explored yet: run autolab explore churn' });
    const resuggested = { ...done, 'ingest.table': '2026-01-05', 'explore.table': '2026-01-06', 'tags.suggest': '2026-01-06' };
    expect(projectView(status({ sources: 1, tablesIngested: 1, lastDoneByKind: resuggested })).next).toEqual({
      waitsOn: 'person',
      stage: 'tagged',
      message: 'new tag suggestions since the last confirmation: review them with autolab tags churn',
    });
    // with tags accepted automatically, the next explore takes care of it
    expect(projectView(status({ sources: 1, tablesIngested: 1, lastDoneByKind: resuggested }, { autoAcceptTags: true })).next?.waitsOn).toBe('lab');
  });

  it('shows a stage reached by a done action even when its machinery is marked not built', () => {
    const view = projectView(status({ sources: 1, tablesIngested: 1, lastDoneByKind: { 'gold.build': '2026-01-05T00:00:00.000Z' } }));
    expect(view.stages.find((s) => s.stage === 'gold')).toEqual({ stage: 'gold', actionKind: 'gold.build', state: 'done', lastDoneAt: '2026-01-05T00:00:00.000Z' });
    const explored = STAGES.find((s) => s.stage === 'explored');
    expect(view.next?.waitsOn).toBe(explored?.built ? 'lab' : 'not built yet');
  });

  it('asks a person to approve a model registered since the last approval, and nothing once it is approved', () => {
    const trained = { 'source.add': '2026-01-01', 'ingest.table': '2026-01-02', 'explore.table': '2026-01-03', 'tags.confirm': '2026-01-04', 'silver.build': '2026-01-05', 'gold.build': '2026-01-05', 'automl.train': '2026-01-06' };
    const registered = { ...trained, 'model.register': '2026-01-07' };
    expect(projectView(status({ sources: 1, tablesIngested: 1, lastDoneByKind: registered })).next).toMatchObject({ waitsOn: 'person', stage: 'approved' });
    const approved = { ...registered, 'model.approve': '2026-01-08' };
    const view = projectView(status({ sources: 1, tablesIngested: 1, lastDoneByKind: approved }));
    expect(view.stages.find((s) => s.stage === 'approved')?.state).toBe('done');
    expect(view.next?.stage).toBe('deployed');
    const retrained = { ...approved, 'automl.train': '2026-01-09', 'model.register': '2026-01-09' };
    expect(projectView(status({ sources: 1, tablesIngested: 1, lastDoneByKind: retrained })).next).toEqual({
      waitsOn: 'person',
      stage: 'approved',
      message: 'a newly registered model waits for approval: autolab models list churn, then autolab approve VERSION --project churn',
    });
  });

  it('reports the newest action of a kind that failed, not an older failure since fixed', () => {
    const base = { inputs: {}, outputs: {}, startedAt: '', cpuSeconds: 0, bytesWritten: 0, workerId: 'w', detail: {}, prevHash: '', hash: '', project: 'churn' };
    const fixed = projectView(status({ lastActions: [
      { ...base, seq: 2, kind: 'ingest.table', status: 'done', finishedAt: '2', error: null },
      { ...base, seq: 1, kind: 'ingest.table', status: 'failed', finishedAt: '1', error: 'boom' },
    ] }));
    expect(fixed.lastFailure).toBeNull();
    const broken = projectView(status({ lastActions: [{ ...base, seq: 3, kind: 'explore.table', status: 'failed', finishedAt: '3', error: 'bad' }] }));
    expect(broken.lastFailure).toEqual({ kind: 'explore.table', error: 'bad', at: '3' });
  });
});
