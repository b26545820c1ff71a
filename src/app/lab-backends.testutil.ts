import { randomBytes } from 'node:crypto';
import { postgresBackend, testPgUrl } from '../catalog/catalog.testutil.js';
import { S3RVER_CREDENTIALS, startLocalS3, type LocalS3 } from '../store/s3rver.testutil.js';

/**
 * The two ways a lab is deployed, for tests that run a stage's body on each: SQLite + the local
 * disk (the laptop), and PostgreSQL + an S3 server (s3rver on loopback; the team). A test asks for
 * the `autolab init` flags of a fresh lab and the environment its processes need.
 */
export interface LabBackend {
  readonly name: 'sqlite+disk' | 'postgres+s3';
  /** a skip reason when the backend is not available here */
  readonly skip: string | false;
  /** starts what the backend needs (the S3 server) and sets `env` in this process until `stop` */
  start(): Promise<void>;
  /** `autolab init` options of a fresh, empty lab */
  fresh(): Promise<{ catalog?: string; store?: string }>;
  /** the environment a lab of this backend is opened with (the S3 keys) */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export function sqliteDiskBackend(): LabBackend {
  return { name: 'sqlite+disk', skip: false, start: () => Promise.resolve(), fresh: () => Promise.resolve({}), env: {}, stop: () => Promise.resolve() };
}

export function postgresS3Backend(): LabBackend {
  const catalogs = postgresBackend();
  const env = { AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey };
  let s3: LocalS3 | undefined;
  let restore: (() => void) | undefined;
  return {
    name: 'postgres+s3',
    skip: testPgUrl ? false : 'AUTOLAB_TEST_PG is not set',
    async start() {
      s3 = await startLocalS3(['labs']);
      restore = setEnv(env);
    },
    async fresh() {
      if (!s3) throw new Error('postgresS3Backend: start() first');
      return { catalog: await catalogs.freshUrl(), store: s3.url('labs', `lab-${randomBytes(4).toString('hex')}`) };
    },
    env,
    async stop() {
      restore?.();
      await catalogs.cleanup();
      await s3?.stop();
    },
  };
}

export const labBackends: readonly LabBackend[] = [sqliteDiskBackend(), postgresS3Backend()];

/** Sets `env` in this process; gives what puts the previous values back. */
function setEnv(env: Readonly<Record<string, string>>): () => void {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
