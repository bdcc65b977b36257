import type { Kysely } from 'kysely';
import {
  findTenantLimits,
  setTenantLimits,
  storedExportBytes,
  type TenantLimitOverrides,
} from '../db/queries/tenant-limits';
import { countOpenTasks } from '../db/queries/tasks';
import { countSchedules } from '../db/queries/schedules';
import type { DatabaseSchema, TenantLimitsTable } from '../db/schema';
import type { TenantLimits } from '../settings';
import { TASK_KINDS, type TaskKind } from '../shared/contracts';
import { LimitExceeded } from './errors';

/** Where a tenant's limit names map to columns of `tenant_limits`. */
const COLUMNS: Record<keyof TenantLimits, keyof Omit<TenantLimitsTable, 'tenant_id' | 'updated_at'>> = {
  fairnessWeight: 'fairness_weight',
  exports: 'exports',
  sends: 'sends',
  imports: 'imports',
  schedules: 'schedules',
  minScheduleIntervalMs: 'min_schedule_interval_ms',
  exportBytes: 'export_bytes',
  eventStreams: 'event_streams',
};

/** The limit that bounds each kind of task. */
export const TASK_LIMIT: Record<TaskKind, 'exports' | 'sends' | 'imports'> = {
  export: 'exports',
  send: 'sends',
  import: 'imports',
};

/** A tenant's usage of each limit, for operators (`mailroom tenants show`). */
export interface TenantUsage {
  exports: number;
  sends: number;
  imports: number;
  schedules: number;
  exportBytes: number;
}

/** Limits in force per tenant: the tenant's overrides over the defaults from settings. */
export class LimitService {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly defaults: TenantLimits,
  ) {}

  async of(tenantId: string): Promise<TenantLimits> {
    const row = await findTenantLimits(this.db, tenantId);
    const limits = { ...this.defaults };
    if (!row) return limits;
    for (const [name, column] of Object.entries(COLUMNS) as Array<[keyof TenantLimits, keyof typeof row]>) {
      const value = row[column];
      if (value !== null && value !== undefined) limits[name] = Number(value);
    }
    return limits;
  }

  /** Sets overrides (`null`: back to the default) and answers the limits now in force. */
  async set(tenantId: string, overrides: Partial<Record<keyof TenantLimits, number | null>>): Promise<TenantLimits> {
    const columns: TenantLimitOverrides = {};
    for (const [name, value] of Object.entries(overrides) as Array<[keyof TenantLimits, number | null]>) {
      columns[COLUMNS[name]] = value;
    }
    await setTenantLimits(this.db, tenantId, columns);
    return this.of(tenantId);
  }

  async usage(tenantId: string): Promise<TenantUsage> {
    const [exports, sends, imports] = await Promise.all(
      TASK_KINDS.map((kind) => countOpenTasks(this.db, tenantId, kind)),
    );
    return {
      exports: exports!,
      sends: sends!,
      imports: imports!,
      schedules: await countSchedules(this.db, tenantId),
      exportBytes: (await storedExportBytes(this.db, tenantId)).bytes,
    };
  }

  /** 429 once the tenant's live export files reach their byte quota, until the first of them expires. */
  async checkExportBytes(tenantId: string, limits: TenantLimits): Promise<void> {
    const stored = await storedExportBytes(this.db, tenantId);
    if (stored.bytes < limits.exportBytes) return;
    const untilExpiry = stored.nextExpiry ? (Date.parse(stored.nextExpiry) - Date.now()) / 1000 : 3600;
    throw new LimitExceeded(
      'export_bytes',
      limits.exportBytes,
      Math.max(60, Math.ceil(untilExpiry)),
      `this tenant keeps ${stored.bytes} bytes of exports, its limit is ${limits.exportBytes}; ` +
        'new exports are refused until older ones expire',
    );
  }

  async checkScheduleCount(tenantId: string, limits: TenantLimits): Promise<void> {
    const count = await countSchedules(this.db, tenantId);
    if (count < limits.schedules) return;
    throw new LimitExceeded(
      'schedules',
      limits.schedules,
      3600,
      `this tenant has ${count} schedules, its limit is ${limits.schedules}; delete one first`,
    );
  }
}
