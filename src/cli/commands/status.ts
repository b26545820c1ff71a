import type { Command } from 'commander';
import { openLab } from '../../app/lab.js';
import { labStatus, type ProjectStatusView } from '../../app/status.js';
import type { ActionRecord } from '../../catalog/index.js';
import { formatTable, printJson, printLines, shortTime, type JsonFlag } from '../output.js';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('where every project stands: stages, what waits on you, the last actions')
    .option('--json', 'machine output')
    .action(async (flags: JsonFlag) => {
      const lab = await openLab();
      try {
        const status = await labStatus(lab);
        if (flags.json) {
          printJson(status);
          return;
        }
        const lines = [`lab ${status.root}`];
        if (status.projects.length === 0) lines.push('', 'no projects yet: autolab project create NAME');
        for (const project of status.projects) lines.push('', ...formatProject(project));
        printLines(lines);
      } finally {
        await lab.close();
      }
    });
}

const MARK = { done: '[x]', todo: '[ ]', 'not built yet': '[-]', 'not needed': '[~]' } as const;

export function formatProject(view: ProjectStatusView): string[] {
  const lines = [
    `project ${view.project} — ${plural(view.sources, 'source')}, ${plural(view.tablesIngested, 'table')} ingested (${plural(view.snapshots, 'snapshot')})`,
  ];
  const width = Math.max(...view.stages.map((s) => s.stage.length));
  for (const stage of view.stages) {
    const note = stage.state === 'done' ? (stage.lastDoneAt ? shortTime(stage.lastDoneAt) : '') : stage.state === 'not built yet' || stage.state === 'not needed' ? stage.state : '';
    lines.push(`  ${MARK[stage.state]} ${stage.stage.padEnd(width)}  ${note}`.trimEnd());
  }
  if (view.alert) lines.push(`  alert: ${view.alert.message} (${shortTime(view.alert.at)})`);
  if (view.lastFailure) lines.push(`  failed: ${view.lastFailure.kind} at ${shortTime(view.lastFailure.at)}: ${view.lastFailure.error}`);
  if (view.next === null) lines.push('  every stage is done');
  else if (view.next.waitsOn === 'person') lines.push(`  waits on you: ${view.next.message}`);
  else if (view.next.waitsOn === 'lab') lines.push(`  next: ${view.next.message}`);
  else lines.push(`  next: ${view.next.message}`);
  if (view.lastActions.length) {
    lines.push('  last actions:');
    lines.push(...formatActions(view.lastActions, false).map((l) => `    ${l}`));
  }
  return lines;
}

/** The action table shared by `status` and `log`. */
export function formatActions(actions: readonly ActionRecord[], withProject: boolean): string[] {
  return formatTable(
    [
      { header: 'seq', align: 'right' },
      { header: 'finished' },
      ...(withProject ? [{ header: 'project' }] : []),
      { header: 'kind' },
      { header: 'status' },
      { header: 'detail', maxWidth: 70 },
    ],
    actions.map((a) => [
      String(a.seq),
      shortTime(a.finishedAt),
      ...(withProject ? [a.project ?? '-'] : []),
      a.kind,
      a.status,
      a.error ?? summarise(a.detail),
    ]),
  );
}

/** `key=value …`, led by why the action ran (the input that changed) when the runtime recorded it. */
function summarise(detail: Record<string, unknown>): string {
  const { why, ...rest } = detail;
  return Object.entries(typeof why === 'string' ? { why, ...rest } : detail)
    .filter(([, v]) => v === null || typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
