import { useState } from 'preact/hooks';
import { call } from './api';
import type { ScheduleView } from './api-types';
import { useWords } from './words';

/** The user's recurring exports: when they run next, and pause / resume / run now / delete. */
export function Schedules({ schedules, onChange }: { schedules: ScheduleView[]; onChange: () => void }) {
  const { t, date } = useWords();
  const [failure, setFailure] = useState<string>();
  const act = (schedule: ScheduleView, action: 'pause' | 'unpause' | 'trigger' | 'delete') => () => {
    setFailure(undefined);
    const path = `/v1/schedules/${encodeURIComponent(schedule.id)}`;
    const request = action === 'delete' ? call('DELETE', path) : call('POST', `${path}/${action}`);
    request.then(onChange, (error: Error) => setFailure(error.message));
  };
  return (
    <section aria-labelledby="schedules-title">
      <h2 id="schedules-title">{t('schedulesTitle')}</h2>
      {failure && <p role="alert">{t('error', { message: failure })}</p>}
      {schedules.length === 0 ? (
        <p>{t('noSchedules')}</p>
      ) : (
        <ul class="schedules">
          {schedules.map((schedule) => (
            <li key={schedule.id} data-schedule-id={schedule.id}>
              <p>
                <strong>{t('scheduleExport', { id: schedule.action.newsletterId })}</strong>{' '}
                <span class="muted">
                  {schedule.cron ? `cron ${schedule.cron}` : t('every', { every: schedule.every ?? '' })} (
                  {schedule.timezone})
                </span>{' '}
                <span class={`badge badge-schedule-${schedule.status}`}>{t(`schedule_${schedule.status}`)}</span>
              </p>
              {schedule.nextRunAt && <p class="muted">{t('nextRun', { date: date(schedule.nextRunAt) })}</p>}
              <div class="actions">
                {schedule.status === 'ACTIVE' && (
                  <button type="button" onClick={act(schedule, 'pause')}>
                    {t('pause')}
                  </button>
                )}
                {schedule.status === 'PAUSED' && (
                  <button type="button" onClick={act(schedule, 'unpause')}>
                    {t('unpause')}
                  </button>
                )}
                {schedule.status !== 'MISSING' && (
                  <button type="button" onClick={act(schedule, 'trigger')}>
                    {t('trigger')}
                  </button>
                )}
                <button type="button" class="danger" onClick={act(schedule, 'delete')}>
                  {t('delete')}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
