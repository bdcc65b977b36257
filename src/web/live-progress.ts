import { useEffect, useRef, useState } from 'preact/hooks';
import type { TaskView } from './api-types';

/** The server allows a user only so many live streams (MAILROOM_LIMIT_EVENT_STREAMS, 10 by default). */
const MAX_STREAMS = 5;

type Progress = TaskView['progress'];

/**
 * Live progress of the newest running tasks over Server-Sent Events (the session cookie authenticates
 * them). Each stream closes at its task's `end` event, which also asks for a refresh of the list.
 */
export function useLiveProgress(tasks: TaskView[], onEnd: () => void): Record<string, Progress> {
  const [live, setLive] = useState<Record<string, Progress>>({});
  const streams = useRef(new Map<string, EventSource>());
  const ended = useRef(onEnd);
  ended.current = onEnd;

  const running = tasks
    .filter((task) => task.status === 'RUNNING')
    .slice(0, MAX_STREAMS)
    .map((task) => task.taskId);
  const key = running.join(' ');

  useEffect(() => {
    const open = streams.current;
    for (const [taskId, source] of open) {
      if (!running.includes(taskId)) {
        source.close();
        open.delete(taskId);
      }
    }
    for (const taskId of running) {
      if (open.has(taskId)) continue;
      const source = new EventSource(`/v1/tasks/${encodeURIComponent(taskId)}/events`);
      source.addEventListener('progress', (event) => {
        const data = JSON.parse((event as MessageEvent<string>).data) as { progress: Progress };
        setLive((all) => ({ ...all, [taskId]: data.progress }));
      });
      source.addEventListener('end', () => {
        source.close();
        open.delete(taskId);
        ended.current();
      });
      open.set(taskId, source);
    }
  }, [key]);

  useEffect(
    () => () => {
      for (const source of streams.current.values()) source.close();
      streams.current.clear();
    },
    [],
  );
  return live;
}
