/**
 * The content of an exploration report as data: what `autolab report --json` prints and what the
 * HTML report renders. Plain JSON, built from stored round-1/round-2 results and the tags.
 */
import type { PiiFinding, ProfileAlert, Relationship, TableProfile, TargetSuggestion } from '../profile-types.js';
import type { SilverReport } from '../../lake/index.js';
import type { Round2Result } from '../round2/index.js';
import type { TagSet } from '../tags/index.js';

export interface ReportTable {
  readonly name: string;
  /** the bronze snapshot profiled */
  readonly snapshot: { readonly id: number; readonly version: number; readonly contentHash: string; readonly createdAt: string } | null;
  readonly profile: TableProfile;
}

/** One entry of the report's alert list: round-1 alerts and round-2 findings in one place. */
export interface ReportAlert {
  readonly table: string;
  readonly column: string | null;
  readonly kind: string;
  readonly severity: 'info' | 'warning';
  readonly message: string;
}

export interface ReportOverview {
  readonly tables: number;
  readonly rows: number;
  readonly columns: number;
  readonly cells: number;
  readonly missingCells: number;
  readonly duplicateRows: number;
  readonly warnings: number;
  readonly infos: number;
  readonly piiColumns: number;
  readonly relationships: number;
  /** the confirmed target, else the suggested one */
  readonly target: { readonly table: string; readonly column: string; readonly confirmed: boolean } | null;
  readonly openTags: number | null;
}

export interface ReportData {
  readonly reportVersion: 1;
  readonly project: string;
  readonly generatedAt: string;
  readonly overview: ReportOverview;
  readonly alerts: readonly ReportAlert[];
  readonly tables: readonly ReportTable[];
  readonly relationships: readonly Relationship[];
  readonly pii: readonly PiiFinding[];
  readonly targetSuggestion: TargetSuggestion | null;
  readonly tags: { readonly version: number; readonly tags: TagSet } | null;
  readonly round2: Round2Result | null;
  /** silver's quality report per table (rows in, out, quarantined, duplicates; each rule's failures) */
  readonly quality: readonly SilverReport[];
}

export type { ProfileAlert };
