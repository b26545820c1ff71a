export type { Lab, LabConfig } from './lab-types.js';
export { initLab, openLab, findLabRoot, workerId, actionInput, projectNameFromFolder, type InitLabOptions } from './lab.js';
export { CONFIG_FILE, LAB_DIR } from './lab-config.js';
export { createProject, resolveProject } from './project.js';
export { assertProjectName } from './project-name.js';
