import { tenantsThatSent } from '../db/queries/digest-figures';
import { previousLocalDay } from '../schedules/digest-period';
import type { DigestPeriod } from '../shared/contracts';
import type { ActivityDeps } from './deps';

export const createDigestActivities = ({ database }: ActivityDeps) => ({
  /** The local day before `at` in the zone; here because time-zone rules are not workflow code. */
  async digestPeriod(input: { at: string; timezone: string }): Promise<DigestPeriod> {
    return previousLocalDay(new Date(input.at), input.timezone);
  },

  /** A page of tenants with sends in the period: tenants that sent nothing get no digest. */
  async listDigestTenants(input: { period: DigestPeriod; afterTenantId: string; limit: number }): Promise<string[]> {
    return tenantsThatSent(database.db, input.period, { afterTenantId: input.afterTenantId, limit: input.limit });
  },
});

export type DigestActivities = ReturnType<typeof createDigestActivities>;
