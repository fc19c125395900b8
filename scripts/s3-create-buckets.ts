/**
 * `npm run s3:create-buckets`: creates the primary bucket (S3_BUCKET, with STORAGE=s3) and every
 * replica's (REPLICA_<n>_BUCKET) when the store has none of that name, each with Object Lock (and
 * so versioning): for a store of the deployment's own, such as compose's. A bucket that exists is
 * left as it is (Object Lock can only be chosen when a bucket is created).
 */
import { createBucketIfAbsent } from '../infra/compose';
import { loadConfigOrExit } from '../domain/config';

async function main() {
  const config = loadConfigOrExit();
  const buckets = [...(config.blobStore.kind === 's3' ? [{ name: 'primary', ...config.blobStore }] : []), ...config.replicas];
  if (buckets.length === 0) process.stdout.write('nothing to create: STORAGE is fs and no REPLICA_<n>_BUCKET is set\n');
  for (const bucket of buckets) {
    const created = await createBucketIfAbsent(bucket);
    process.stdout.write(`${bucket.name}: bucket ${bucket.bucket} ${created ? 'created with Object Lock' : 'exists; left as it is'}\n`);
  }
}

main().catch((err: Error) => {
  process.stderr.write(`could not create the buckets: ${err.message}\n`);
  process.exit(1);
});
