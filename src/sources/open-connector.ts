import { FileConnector } from './file-connector.js';
import type { Connector, Credential, SourceSpec } from './types.js';

export interface ConnectorContext {
  readonly labRoot: string;
  /** the source's name: a query's table is named after it */
  readonly sourceName: string;
  /** decrypted from the vault; `${env:NAME}` references (a `passwordEnv`, S3 keys) are resolved by the connector */
  readonly credential?: Credential;
}

/** The connector for a source spec. Database and S3 drivers load only when such a source is used. */
export async function openConnector(spec: SourceSpec, ctx: ConnectorContext): Promise<Connector> {
  switch (spec.kind) {
    case 'file':
      return new FileConnector(spec, ctx.labRoot);
    case 'sqlite': {
      const { SqliteConnector } = await import('./sqlite-connector.js');
      return new SqliteConnector(spec, ctx);
    }
    case 'postgres': {
      const { PostgresConnector } = await import('./postgres-connector.js');
      return new PostgresConnector(spec, ctx);
    }
    case 'mysql': {
      const { MysqlConnector } = await import('./mysql-connector.js');
      return new MysqlConnector(spec, ctx);
    }
    case 's3': {
      const { S3Connector } = await import('./s3-connector.js');
      return new S3Connector(spec, ctx);
    }
  }
}
