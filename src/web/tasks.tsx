import { useState } from 'preact/hooks';
import { call } from './api';
import type { TaskView } from './api-types';
import type { MessageKey } from './i18n';
import { failureReasonText } from './server-texts';
import { useWords } from './words';

type Progress = TaskView['progress'];

/** A running send whose workflow reports the `paused` phase reads as paused. */
export const statusKey = (task: TaskView, progress: Progress): MessageKey =>
  task.status === 'RUNNING' && progress.phase === 'paused' ? 'status_PAUSED' : `status_${task.status}`;

export function TaskList(props: { tasks: TaskView[]; live: Record<string, Progress>; onChange: () => void }) {
  const { t } = useWords();
  return (
    <section aria-labelledby="tasks-title">
      <h2 id="tasks-title">{t('tasksTitle')}</h2>
      {props.tasks.length === 0 ? (
        <p>{t('noTasks')}</p>
      ) : (
        <ul class="tasks">
          {props.tasks.map((task) => (
            <TaskItem
              key={task.taskId}
              task={task}
              progress={(task.status === 'RUNNING' && props.live[task.taskId]) || task.progress}
              onChange={props.onChange}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function TaskItem({ task, progress, onChange }: { task: TaskView; progress: Progress; onChange: () => void }) {
  const words = useWords();
  const { t, date } = words;
  const [failure, setFailure] = useState<string>();
  const name = `${t(`kind_${task.kind}`)} ${task.taskId}`;
  const status = statusKey(task, progress);
  const act = (action: 'cancel' | 'pause' | 'resume') => () => {
    setFailure(undefined);
    call('POST', `/v1/tasks/${encodeURIComponent(task.taskId)}/${action}`).then(onChange, (error: Error) =>
      setFailure(error.message),
    );
  };
  const running = task.status === 'RUNNING';
  const headingId = `task-${task.taskId}`;
  return (
    <li class={`task task-${task.status.toLowerCase()}`} data-task-id={task.taskId}>
      <div class="task-head">
        <h3 id={headingId}>
          {t(`kind_${task.kind}`)} <span class="task-id">{task.taskId}</span>
        </h3>
        <span class={`badge badge-${status}`}>{t(status)}</span>
      </div>
      <p class="muted">{t('startedAt', { date: date(task.startedAt) })}</p>
      {running && (
        <div class="progress">
          <progress
            max={progress.total || undefined}
            value={progress.total ? progress.done : undefined}
            aria-label={t('progressOf', { task: name })}
          />
          <span>
            {progress.total ? t('progressText', { done: progress.done, total: progress.total }) : progress.phase}
          </span>
        </div>
      )}
      {task.status === 'COMPLETED' && task.result && <TaskResult task={task} />}
      {task.error && (
        <p class="reason">{t('reason', { message: failureReasonText(task.error, task.status, words) })}</p>
      )}
      {running && (
        <div class="actions">
          {task.kind === 'send' &&
            (progress.phase === 'paused' ? (
              <button type="button" onClick={act('resume')}>
                {t('resume')}
              </button>
            ) : (
              <button type="button" onClick={act('pause')}>
                {t('pause')}
              </button>
            ))}
          <button type="button" class="danger" onClick={act('cancel')}>
            {t('cancel')}
          </button>
        </div>
      )}
      {failure && <p role="alert">{t('error', { message: failure })}</p>}
    </li>
  );
}

function TaskResult({ task }: { task: TaskView }) {
  const { t, date, size } = useWords();
  const result = task.result!;
  if ('downloadUrl' in result) {
    return (
      <p class="result">
        {t('exportResult', { rows: result.rows, size: size(result.bytes) })}{' '}
        <a href={result.downloadUrl} download>
          {t('download')}
        </a>{' '}
        <span class="muted">({t('linkExpires', { date: date(result.expiresAt) })})</span>
      </p>
    );
  }
  if ('invalidRows' in result) {
    return (
      <div class="result">
        <p>
          {t('importResult', {
            imported: result.imported,
            created: result.created,
            updated: result.updated,
            invalid: result.invalid,
          })}
        </p>
        {result.invalidRows.length > 0 && (
          <details open>
            <summary>{t('invalidLines')}</summary>
            <ul class="invalid-lines">
              {result.invalidRows.map((row) => (
                <li key={row.line}>{t('line', { line: String(row.line), reason: row.reason })}</li>
              ))}
            </ul>
          </details>
        )}
      </div>
    );
  }
  return <p class="result">{t('sendResult', { sent: result.sent, failed: result.failed, skipped: result.skipped })}</p>;
}
