import type { ProjectRecord } from '../catalog/index.js';
import { tagsView, type TagsView } from '../explore/index.js';
import { loadExploration, round2Freshness } from './explore.js';
import type { Lab } from './lab-types.js';
import { requireTags } from './tags.js';

/**
 * The project's tags as a person reviews them (`autolab tags show`), with whether round 2 still
 * matches them. Apart from `tags.ts` because it reads exploration's state, which itself writes
 * tags through `tags.ts`.
 */
export async function tagsOverview(lab: Lab, project: ProjectRecord, filter: { openOnly: boolean; table?: string }): Promise<TagsView> {
  const current = await requireTags(lab.catalog, project);
  const freshness = await round2Freshness(lab, project, await loadExploration(lab, project));
  return tagsView(project.name, current, freshness, filter);
}
