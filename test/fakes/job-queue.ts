import type { JobName } from '../../domain/queue/jobs';
import type { JobQueue } from '../../domain/ports/job-queue';

/** A job queue that records what was enqueued; `down` makes it refuse, as an unreachable Redis would. */
export class FakeJobQueue implements JobQueue {
  readonly enqueued: { name: JobName; ids: readonly string[] }[] = [];
  down = false;

  async enqueue(name: JobName, ids: readonly string[]) {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    this.enqueued.push({ name, ids: [...ids] });
  }

  async ping() {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
  }

  close = async () => undefined;
}
