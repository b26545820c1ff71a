import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initLab } from './lab.js';
import { writeModelCard } from './model-card.js';
import { resolveProject } from './project.js';
import { runProject } from './run.js';
import { addSource } from './sources.js';
import { setTags } from './tags.js';

const dir = mkdtempSync(join(tmpdir(), 'autolab-model-card-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 300 customers; `refund` is recorded with the outcome (set for churners but three), `notes` mostly empty. */
function customersCsv(): string {
  const lines = ['customer_id,usage,refund,notes,churn'];
  for (let i = 0; i < 300; i++) {
    const usage = ((i * 37) % 100) / 10;
    const churns = (usage < 4) !== (i % 7 === 3);
    const refund = churns !== (i % 97 === 5) ? 1 : 0;
    lines.push(`${i},${usage},${refund},${i % 5 === 0 ? `called ${i % 3}` : ''},${churns ? 'yes' : 'no'}`);
  }
  return lines.join('\n') + '\n';
}

describe('a model card\'s known limitations in a lab', () => {
  it('puts the target analysis\' leakage suspect that the model reads first, then exploration\'s alerts on what it reads', async () => {
    writeFileSync(join(dir, 'customers.csv'), customersCsv());
    const lab = await initLab(join(dir, 'lab'), { project: 'churn' });
    try {
      await addSource(lab, 'churn', 'customers', join(dir, 'customers.csv'), { cwd: dir });
      const project = await resolveProject(lab, 'churn');
      await runProject(lab, project, { trials: 1 });
      await setTags(lab.catalog, project, 'customers.churn', ['role=target']);
      await setTags(lab.catalog, project, 'customers.customer_id', ['role=id']);
      await setTags(lab.catalog, project, 'customers.refund', ['role=feature']);
      expect((await runProject(lab, project, { trials: 1 })).waitsOn).toMatch(/waits for approval/);

      const { card } = await writeModelCard(lab, 'churn', 1, { out: join(dir, 'card.html') });
      const alerts = card.limitations.alerts!;
      expect(alerts[0]).toMatchObject({ column: 'refund', kind: 'leakage: near copy', severity: 'warning', message: expect.stringMatching(/^possible leakage — refund /) as unknown });
      // customer_id is not read: its alerts (unique values) are not the model's
      expect(alerts.some((a) => a.column === 'customer_id')).toBe(false);
      expect(alerts.every((a) => a.column === null || ['usage', 'refund', 'notes', 'churn'].includes(a.column))).toBe(true);
      expect(card.limitations.notes).toEqual(expect.arrayContaining([expect.stringMatching(/^Trained on 300 rows, a small sample/), expect.stringMatching(/^notes was missing in 80% of the training rows/)]));
    } finally {
      await lab.close();
    }
  });
});
