import { useEffect, useRef, useState } from 'preact/hooks';
import type { TaskView } from './api-types';
import { statusKey } from './tasks';
import { useWords } from './words';

/**
 * What the live region says for screen readers: a task's change of status, and its progress in steps
 * of a quarter (every SSE event would be far too chatty).
 */
export function useAnnouncement(tasks: TaskView[], live: Record<string, TaskView['progress']>): string {
  const { t } = useWords();
  const [text, setText] = useState('');
  const last = useRef(new Map<string, string>());
  useEffect(() => {
    const said = last.current;
    const first = said.size === 0;
    for (const task of tasks) {
      const progress = (task.status === 'RUNNING' && live[task.taskId]) || task.progress;
      const quarter = progress.total ? Math.floor((4 * progress.done) / progress.total) : 0;
      const state = `${statusKey(task, progress)}:${quarter}`;
      const before = said.get(task.taskId);
      said.set(task.taskId, state);
      if (first || before === undefined || before === state) continue;
      const name = t(`kind_${task.kind}`);
      setText(
        before.split(':')[0] === state.split(':')[0]
          ? t('announceProgress', { task: name, percent: quarter * 25 })
          : t('announceStatus', { task: name, status: t(statusKey(task, progress)) }),
      );
    }
  }, [tasks, live, t]);
  return text;
}
