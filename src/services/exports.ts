import type { Kysely } from 'kysely';
import { deliveryTotal, findNewsletter } from '../db/queries/newsletters';
import type { DatabaseSchema } from '../db/schema';
import type { Settings } from '../settings';
import { BULK_EXPORT_ROWS, workflowIds } from '../shared/contracts';
import { exportNewsletterStats } from '../workflows/export-newsletter-stats';
import type { Caller } from './caller';
import { NotFound } from './errors';
import type { LimitService } from './limits';
import type { StartedTask, TaskService } from './tasks';

/** Starts statistics exports for their owners. */
export class ExportService {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly tasks: TaskService,
    private readonly limits: LimitService,
    private readonly settings: Pick<Settings, 'linkTtlMs'>,
  ) {}

  /** NotFound for another tenant's or an unknown newsletter, LimitExceeded past a quota: no workflow starts. */
  async start(caller: Caller, newsletterId: number, idempotencyKey?: string): Promise<StartedTask> {
    const newsletter = await findNewsletter(this.db, caller.tenantId, newsletterId);
    if (!newsletter) throw new NotFound('newsletter');
    await this.limits.checkExportBytes(caller.tenantId, await this.limits.of(caller.tenantId));
    const { tenantId, userId } = caller;
    return this.tasks.start({
      owner: caller,
      kind: 'export',
      workflow: exportNewsletterStats,
      workflowId: (key) => workflowIds.export(tenantId, newsletterId, key),
      args: [{ tenantId, userId, newsletterId, linkTtlMs: this.settings.linkTtlMs }],
      request: { newsletterId },
      idempotencyKey,
      summary: `Export statistics of "${newsletter.subject}" (newsletter ${newsletterId}) for ${caller.email}`,
      large: (await deliveryTotal(this.db, newsletterId)) > BULK_EXPORT_ROWS,
    });
  }
}
