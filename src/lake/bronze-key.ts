/** A path segment for a lake key: names from databases and files may hold anything. */
export function keySegment(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^\.+/, '_');
  return safe === '' ? '_' : safe.slice(0, 120);
}

/**
 * `lake/bronze/<project>/<source>/<table>/<id>.parquet`, the id being the snapshot's content hash
 * (labs written before that used its version number)
 */
export function bronzeKey(project: string, source: string, table: string, id: string): string {
  return `lake/bronze/${keySegment(project)}/${keySegment(source)}/${keySegment(table)}/${id}.parquet`;
}
