import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initLab } from '../../app/lab.js';
import { runProject } from '../../app/run.js';
import { addSource } from '../../app/sources.js';
import { acceptTags, setTags } from '../../app/tags.js';

/** A lab whose project `churn` has one trained, registered model (version 1, waiting for approval), trained on `trials` candidates. */
export async function labWithModel(root: string, init: { catalog?: string; store?: string } = {}, trials = 2): Promise<void> {
  const lab = await initLab(root, { ...init, project: 'churn' });
  try {
    const lines = ['id,usage,plan,churn'];
    for (let i = 0; i < 300; i++) lines.push(`${i},${(i * 37) % 100},${['a', 'b'][i % 2]},${((i * 37) % 100 < 40) !== (i % 9 === 4) ? 'yes' : 'no'}`);
    writeFileSync(join(root, 'customers.csv'), lines.join('\n') + '\n');
    await addSource(lab, 'churn', 'customers', join(root, 'customers.csv'), { cwd: root });
    const project = (await lab.catalog.getProject('churn'))!;
    await runProject(lab, project, { trials });
    await acceptTags(lab.catalog, project, 0.9);
    await setTags(lab.catalog, project, 'customers.churn', ['role=target']);
    const trained = await runProject(lab, project, { trials });
    if (trained.model?.version !== 1) throw new Error(`the lab's first run registered ${JSON.stringify(trained.model?.version)}`);
  } finally {
    await lab.close();
  }
}
