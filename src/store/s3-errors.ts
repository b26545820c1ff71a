import { ConnectionError, LabError } from '../common/index.js';

interface AwsLikeError {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const ACCESS = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden', 'AllAccessDisabled', 'InvalidToken', 'ExpiredToken']);
const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', 'EAI_AGAIN', 'TimeoutError']);

export function isNotFound(error: unknown): boolean {
  const e = error as AwsLikeError | null;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/** S3 errors as a user can act on them: permission, missing bucket, network, missing credentials. */
export function translateS3Error(error: unknown, where: string): unknown {
  const e = (error ?? {}) as AwsLikeError;
  // a HEAD answer has no body, so the SDK can only name the status: 'Unknown', 'Forbidden'
  const name = typeof e.name === 'string' && e.name !== 'Unknown' ? e.name : '';
  const code = typeof e.code === 'string' ? e.code : '';
  const status = e.$metadata?.httpStatusCode;
  if (ACCESS.has(name) || status === 403) {
    return new ConnectionError(
      `the S3 store ${where} refused access (${name || 'HTTP 403'})`,
      'check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the bucket policy',
      { cause: error },
    );
  }
  if (name === 'NoSuchBucket') {
    return new ConnectionError(`the bucket of the S3 store ${where} does not exist`, 'create it, or fix the bucket name in the store URL', {
      cause: error,
    });
  }
  if (name === 'CredentialsProviderError') {
    return new ConnectionError(`no S3 credentials for the store ${where}`, 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY', {
      cause: error,
    });
  }
  if (NETWORK.has(code) || NETWORK.has(name)) {
    return new ConnectionError(`cannot reach the S3 store ${where} (${code || name})`, 'check the endpoint in the store URL and that the server is up', {
      cause: error,
    });
  }
  if (name === 'NoSuchKey') {
    return new LabError(`the S3 store ${where} has no such object`, 'the lab may be damaged; re-run the step that wrote it', { cause: error });
  }
  return error;
}
